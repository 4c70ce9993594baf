"""What the worker does with one jobs.requested message (docs: the design's Flow, step 2).

Knows nothing of aio-pika: it talks to a Delivery, a Publisher and a ResultStore, so the unit
tests drive every branch with in-memory versions of them.
"""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from uuid import UUID

import structlog
from pydantic import ValidationError

from app.contracts.generated import (
    JOB_FINISHED_V1_TYPE,
    JOB_REQUESTED_V1_TYPE,
    CountPrimesResult,
    JobFinishedV1,
    JobRequestedV1,
)
from app.messaging.topology import Names
from app.worker.transport import Delivery, HeaderValue, OutgoingMessage, Publisher

logger = structlog.get_logger(__name__)

ATTEMPT_HEADER = "x-attempt"
SUPPORTED_SCHEMA_VERSIONS = frozenset({1})

Work = Callable[[JobRequestedV1], Awaitable[CountPrimesResult]]


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    DUPLICATE = "duplicate"  # a result was stored already: reported again, not recomputed
    RETRY_SCHEDULED = "retry_scheduled"
    FAILED = "failed"  # last attempt failed: reported as failed, message dead-lettered
    REJECTED = "rejected"  # poison: dead-lettered at once, never retried
    REQUEUED = "requeued"  # infrastructure trouble (database, broker): delivered again later


class ResultStore(Protocol):
    async def get(self, job_id: UUID) -> JobFinishedV1 | None: ...

    async def add(self, finished: JobFinishedV1) -> JobFinishedV1:
        """Store unless a result for the job exists; return the stored one (either)."""


class PoisonMessageError(Exception):
    """A message no number of retries can process."""


@dataclass(frozen=True)
class Request:
    job: JobRequestedV1
    attempt: int


def parse(delivery: Delivery) -> Request:
    if delivery.type not in (None, JOB_REQUESTED_V1_TYPE):
        raise PoisonMessageError(f"unexpected message type {delivery.type!r}")
    try:
        data = json.loads(delivery.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PoisonMessageError("body is not JSON") from None
    # Checked before the model, so the log says why: a newer gateway than this worker.
    version = data.get("schemaVersion") if isinstance(data, dict) else None
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise PoisonMessageError(f"unsupported schemaVersion {version!r}")
    try:
        # by_name=False: on the wire only the camelCase names are valid (the models accept
        # snake_case too, for Python code that builds them by field name).
        job = JobRequestedV1.model_validate(data, by_name=False)
    except ValidationError as exc:
        # Field locations only: the values may be anything a publisher sent.
        where = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})
        raise PoisonMessageError(f"not a valid JobRequestedV1 ({', '.join(where)})") from None
    attempt = delivery.headers.get(ATTEMPT_HEADER, 1)
    # bool is an int subclass; True is not an attempt number.
    if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
        raise PoisonMessageError(f"invalid {ATTEMPT_HEADER} header")
    return Request(job=job, attempt=attempt)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(kw_only=True)
class JobHandler:
    publisher: Publisher
    store: ResultStore
    work: Work
    names: Names
    max_attempts: int
    retry_delay_ms: Callable[[int], int]  # attempt -> how long its retry copy waits
    # Pause before giving a message back after an infrastructure error, so a database outage
    # does not turn into a hot redelivery loop.
    requeue_delay_seconds: float = 1.0
    clock: Callable[[], datetime] = utcnow

    async def handle(self, delivery: Delivery) -> Outcome:
        try:
            return await self._handle(delivery)
        except Exception:
            # The database or the broker failed us, not the job: no attempt is used up.
            logger.exception("message_requeued", message_id=delivery.message_id)
            await asyncio.sleep(self.requeue_delay_seconds)
            try:
                await delivery.requeue()
            except Exception as exc:  # the channel is gone: the broker requeues it by itself
                logger.warning("requeue_failed", error=type(exc).__name__)
            return Outcome.REQUEUED

    async def _handle(self, delivery: Delivery) -> Outcome:
        try:
            request = parse(delivery)
        except PoisonMessageError as exc:
            logger.warning("message_rejected", reason=str(exc), message_id=delivery.message_id)
            await delivery.reject()
            return Outcome.REJECTED
        job, attempt = request.job, request.attempt
        log = logger.bind(job_id=str(job.job_id), attempt=attempt)

        stored = await self.store.get(job.job_id)
        if stored is not None:
            await self._report(stored, delivery)
            await delivery.ack()
            log.info("job_duplicate", status=stored.status)
            return Outcome.DUPLICATE

        started = time.perf_counter()
        try:
            result = await self.work(job)
        except Exception as exc:
            if attempt < self.max_attempts:
                delay_ms = self.retry_delay_ms(attempt)
                retry = self._retry_copy(delivery, job, attempt, delay_ms)
                await self.publisher.publish(retry)
                await delivery.ack()
                log.warning("job_retry_scheduled", error=type(exc).__name__, delay_ms=delay_ms)
                return Outcome.RETRY_SCHEDULED
            # The last attempt: record and report the failure, then let the broker dead-letter
            # the message into jobs.dead, where an operator can inspect or replay it.
            error = f"failed after {attempt} attempts ({type(exc).__name__})"
            stored = await self.store.add(self._finished(job, attempt, error=error))
            await self._report(stored, delivery)
            await delivery.reject()
            log.error("job_failed", error=type(exc).__name__)
            return Outcome.FAILED

        stored = await self.store.add(self._finished(job, attempt, result=result))
        await self._report(stored, delivery)
        await delivery.ack()
        log.info("job_succeeded", duration_ms=round((time.perf_counter() - started) * 1000))
        return Outcome.SUCCEEDED

    def _finished(
        self,
        job: JobRequestedV1,
        attempt: int,
        *,
        result: CountPrimesResult | None = None,
        error: str | None = None,
    ) -> JobFinishedV1:
        return JobFinishedV1(
            schema_version=1,
            job_id=job.job_id,
            status="succeeded" if error is None else "failed",
            result=result,
            error=error,
            attempts=attempt,
            finished_at=self.clock(),
        )

    async def _report(self, finished: JobFinishedV1, delivery: Delivery) -> None:
        await self.publisher.publish(
            OutgoingMessage(
                exchange=self.names.jobs_exchange,
                routing_key=JOB_FINISHED_V1_TYPE,
                body=finished.model_dump_json().encode(),
                message_id=str(finished.job_id),
                type=JOB_FINISHED_V1_TYPE,
                correlation_id=delivery.correlation_id,
            )
        )

    def _retry_copy(
        self, delivery: Delivery, job: JobRequestedV1, attempt: int, delay_ms: int
    ) -> OutgoingMessage:
        # Through the default exchange straight into jobs.retry; when the expiration passes,
        # RabbitMQ dead-letters it back to the jobs exchange as job.requested.v1. The body is
        # passed on byte for byte.
        return OutgoingMessage(
            exchange="",
            routing_key=self.names.retry_queue,
            body=delivery.body,
            message_id=str(job.job_id),
            type=JOB_REQUESTED_V1_TYPE,
            correlation_id=delivery.correlation_id,
            headers={**_application_headers(delivery), ATTEMPT_HEADER: attempt + 1},
            expiration=timedelta(milliseconds=delay_ms),
        )


def _application_headers(delivery: Delivery) -> dict[str, HeaderValue]:
    # The publisher's own headers (tracing, say) travel with the retry; x-* ones are the
    # broker's (x-death, …) or ours, and are set afresh.
    return {
        key: value
        for key, value in delivery.headers.items()
        if not key.startswith("x-") and isinstance(value, str | int | bool)
    }
