"""What the worker does with one jobs.requested message (docs: the design's Flow, step 2).

Knows nothing of aio-pika: it talks to a Delivery, a Publisher and a ResultStore, so the unit
tests drive every branch with in-memory versions of them.
"""

import asyncio
import contextlib
import hashlib
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from uuid import UUID

import structlog
from opentelemetry import trace
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
tracer = trace.get_tracer(__name__)

ATTEMPT_HEADER = "x-attempt"
MAX_REMEMBERED_FAILURES = 10_000
MAX_DETAIL_CHARS = 300
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
    # After an infrastructure error (database down, schema not migrated, broker not confirming)
    # the message is held this long before it is given back, doubling with each failure of the
    # same message up to the maximum: an outage is neither a hot redelivery loop nor a reason to
    # dead-letter a good job. No attempt is used up.
    requeue_delay_seconds: float = 1.0
    requeue_max_delay_seconds: float = 60.0
    # 0..1; spreads the redeliveries of many held messages once the database is back.
    jitter: Callable[[], float] = random.random
    clock: Callable[[], datetime] = utcnow
    # Infrastructure failures so far, per message id (bounded; a best-effort back-off memory).
    _failures: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def stop(self) -> None:
        """Shutting down: held messages are given back now instead of after their delay."""
        self._stopping.set()

    def requeue_delay(self, failures: int) -> float:
        """Seconds to hold a message after its `failures`-th infrastructure failure (1-based)."""
        delay: float = min(
            self.requeue_delay_seconds * 2 ** max(failures - 1, 0), self.requeue_max_delay_seconds
        )
        return delay * (0.5 + self.jitter() / 2)

    async def handle(self, delivery: Delivery) -> Outcome:
        key = _failure_key(delivery)
        try:
            outcome = await self._handle(delivery)
        except Exception as exc:
            await self._requeue_later(delivery, key, exc)
            return Outcome.REQUEUED
        self._failures.pop(key, None)
        return outcome

    async def _requeue_later(self, delivery: Delivery, key: str, exc: Exception) -> None:
        # The database or the broker failed us, not the job. One line per failure, no traceback:
        # during an outage every message fails the same way, and the cause fits in the line.
        failures = self._failures.pop(key, 0) + 1
        self._failures[key] = failures
        if len(self._failures) > MAX_REMEMBERED_FAILURES:
            del self._failures[next(iter(self._failures))]  # the oldest
        delay = 0.0 if self._stopping.is_set() else self.requeue_delay(failures)
        logger.warning(
            "message_requeued",
            message_id=delivery.message_id,
            error=type(exc).__name__,
            detail=_summary(exc),
            failures=failures,
            retry_in_s=round(delay, 3),
        )
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._stopping.wait()
        try:
            await delivery.requeue()
        except Exception as requeue_exc:  # the channel is gone: the broker requeues it by itself
            logger.warning("requeue_failed", error=type(requeue_exc).__name__)

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
            with tracer.start_as_current_span(
                f"run {job.kind}", attributes={"job.attempt": attempt}
            ):
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


def _failure_key(delivery: Delivery) -> str:
    # The gateway sets message_id = job id; anything else is told apart by its body.
    return delivery.message_id or hashlib.sha256(delivery.body).hexdigest()


def _summary(exc: BaseException) -> str:
    """The exception's first line, bounded: SQLAlchemy appends the statement and a link below."""
    text = str(exc).strip().splitlines()
    return text[0][:MAX_DETAIL_CHARS] if text else ""


def _application_headers(delivery: Delivery) -> dict[str, HeaderValue]:
    # The publisher's own headers (tracing, say) travel with the retry; x-* ones are the
    # broker's (x-death, …) or ours, and are set afresh.
    return {
        key: value
        for key, value in delivery.headers.items()
        if not key.startswith("x-") and isinstance(value, str | int | bool)
    }
