"""In-memory implementations of the worker's transport and result store, for unit tests."""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from app.contracts.generated import JOB_REQUESTED_V1_TYPE, JobFinishedV1
from app.worker.transport import OutgoingMessage


@dataclass
class MemoryDelivery:
    body: bytes
    headers: Mapping[str, object] = field(default_factory=dict)
    message_id: str | None = None
    type: str | None = JOB_REQUESTED_V1_TYPE
    correlation_id: str | None = "req-1"
    settled: str | None = None
    fail_settling: Exception | None = None

    async def _settle(self, how: str) -> None:
        if self.fail_settling is not None:
            raise self.fail_settling
        # A second settlement is a protocol error: RabbitMQ closes the channel for it.
        assert self.settled is None, f"settled twice: {self.settled} then {how}"
        self.settled = how

    async def ack(self) -> None:
        await self._settle("ack")

    async def reject(self) -> None:
        await self._settle("reject")

    async def requeue(self) -> None:
        await self._settle("requeue")


@dataclass
class MemoryPublisher:
    published: list[OutgoingMessage] = field(default_factory=list)
    fail: Exception | None = None

    async def publish(self, message: OutgoingMessage) -> None:
        if self.fail is not None:
            raise self.fail
        self.published.append(message)


@dataclass
class MemoryResultStore:
    rows: dict[UUID, JobFinishedV1] = field(default_factory=dict)
    fail: Exception | None = None

    async def get(self, job_id: UUID) -> JobFinishedV1 | None:
        if self.fail is not None:
            raise self.fail
        return self.rows.get(job_id)

    async def add(self, finished: JobFinishedV1) -> JobFinishedV1:
        return self.rows.setdefault(finished.job_id, finished)


def job_request(limit: int = 100, job_id: UUID | None = None, **overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "schemaVersion": 1,
        "jobId": str(job_id or uuid.uuid4()),
        "kind": "count-primes",
        "input": {"limit": limit},
        "requestedAt": datetime.now(UTC).isoformat(),
    }
    message.update(overrides)
    return message


def delivery_of(message: Mapping[str, Any], **kwargs: Any) -> MemoryDelivery:
    return MemoryDelivery(
        body=json.dumps(message).encode(), message_id=str(message.get("jobId")), **kwargs
    )
