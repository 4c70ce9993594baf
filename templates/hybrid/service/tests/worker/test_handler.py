"""Every decision of the job handler, with the in-memory transport (no broker, no database)."""

import asyncio
import json
import uuid
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from app.contracts.generated import CountPrimesResult, JobFinishedV1, JobRequestedV1
from app.messaging.topology import Names
from app.worker import handler as handler_module
from app.worker.handler import JobHandler, Outcome
from app.worker.primes import count_primes
from tests.worker.memory import (
    MemoryDelivery,
    MemoryPublisher,
    MemoryResultStore,
    delivery_of,
    job_request,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
NAMES = Names.for_namespace("unit")


class Work:
    """Counts primes in-process, or fails when told to; remembers how often it ran."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.calls = 0

    async def __call__(self, job: JobRequestedV1) -> CountPrimesResult:
        self.calls += 1
        if self.fail:
            raise MemoryError("out of memory")
        count, largest = count_primes(job.input.limit)
        return CountPrimesResult(count=count, largest=largest)


def make_handler(
    work: Work | None = None,
    *,
    publisher: MemoryPublisher | None = None,
    store: MemoryResultStore | None = None,
    max_attempts: int = 3,
) -> JobHandler:
    return JobHandler(
        publisher=publisher or MemoryPublisher(),
        store=store or MemoryResultStore(),
        work=work or Work(),
        names=NAMES,
        max_attempts=max_attempts,
        retry_delay_ms=lambda attempt: 100 * 2 ** (attempt - 1),
        requeue_delay_seconds=0,
        clock=lambda: NOW,
    )


def published_finished(handler: JobHandler) -> list[JobFinishedV1]:
    publisher = handler.publisher
    assert isinstance(publisher, MemoryPublisher)
    return [
        JobFinishedV1.model_validate_json(m.body, by_name=False)
        for m in publisher.published
        if m.type == "job.finished.v1"
    ]


async def test_success_stores_reports_then_acks() -> None:
    handler = make_handler()
    message = job_request(limit=100)
    delivery = delivery_of(message, correlation_id="req-42")

    assert await handler.handle(delivery) == Outcome.SUCCEEDED

    assert delivery.settled == "ack"
    assert isinstance(handler.publisher, MemoryPublisher)
    [out] = handler.publisher.published
    assert (out.exchange, out.routing_key) == ("unit.jobs", "job.finished.v1")
    assert (out.message_id, out.type, out.correlation_id) == (
        message["jobId"],
        "job.finished.v1",
        "req-42",
    )
    assert out.expiration is None
    body = json.loads(out.body)  # camelCase on the wire, as the gateway reads it
    assert body == {
        "schemaVersion": 1,
        "jobId": message["jobId"],
        "status": "succeeded",
        "result": {"count": 25, "largest": 97},
        "error": None,
        "attempts": 1,
        "finishedAt": "2025-06-01T12:00:00Z",
    }
    assert isinstance(handler.store, MemoryResultStore)
    assert handler.store.rows[uuid.UUID(message["jobId"])].status == "succeeded"


async def test_redelivery_reports_the_stored_result_without_recomputing() -> None:
    work = Work()
    handler = make_handler(work)
    message = job_request(limit=10)
    assert await handler.handle(delivery_of(message)) == Outcome.SUCCEEDED

    again = delivery_of(message)
    assert await handler.handle(again) == Outcome.DUPLICATE

    assert again.settled == "ack"
    assert work.calls == 1
    first, second = published_finished(handler)
    assert first == second


async def test_a_result_stored_by_a_racing_delivery_is_the_one_reported() -> None:
    message = job_request(limit=10)
    winner = JobFinishedV1(
        schema_version=1,
        job_id=uuid.UUID(message["jobId"]),
        status="succeeded",
        result=CountPrimesResult(count=4, largest=7),
        error=None,
        attempts=1,
        finished_at=NOW - timedelta(seconds=5),
    )

    class RacingStore(MemoryResultStore):
        async def get(self, job_id: uuid.UUID) -> JobFinishedV1 | None:
            self.rows[job_id] = winner  # stored by the other delivery right after our lookup
            return None

    handler = make_handler(store=RacingStore())
    assert await handler.handle(delivery_of(message)) == Outcome.SUCCEEDED
    assert published_finished(handler) == [winner]


@pytest.mark.parametrize(("attempt", "delay_ms"), [(1, 100), (2, 200)])
async def test_failure_before_the_last_attempt_schedules_a_delayed_retry(
    attempt: int, delay_ms: int
) -> None:
    handler = make_handler(Work(fail=True), max_attempts=3)
    message = job_request()
    headers: dict[str, Any] = {"traceparent": "00-abc-def-01", "x-death": [{"count": 1}]}
    if attempt > 1:
        headers["x-attempt"] = attempt
    delivery = delivery_of(message, headers=headers, correlation_id="req-7")

    assert await handler.handle(delivery) == Outcome.RETRY_SCHEDULED

    assert delivery.settled == "ack"  # the copy in jobs.retry carries the job on
    assert isinstance(handler.publisher, MemoryPublisher)
    [retry] = handler.publisher.published
    assert (retry.exchange, retry.routing_key) == ("", "unit.jobs.retry")
    assert retry.body == delivery.body
    assert retry.expiration == timedelta(milliseconds=delay_ms)
    # the next attempt number; the publisher's headers travel along, the broker's do not
    assert retry.headers == {"x-attempt": attempt + 1, "traceparent": "00-abc-def-01"}
    assert (retry.message_id, retry.type, retry.correlation_id) == (
        message["jobId"],
        "job.requested.v1",
        "req-7",
    )
    assert isinstance(handler.store, MemoryResultStore)
    assert handler.store.rows == {}


async def test_last_attempt_failure_is_reported_failed_and_dead_lettered() -> None:
    handler = make_handler(Work(fail=True), max_attempts=3)
    message = job_request()
    delivery = delivery_of(message, headers={"x-attempt": 3})

    assert await handler.handle(delivery) == Outcome.FAILED

    assert delivery.settled == "reject"  # jobs.requested dead-letters it into jobs.dead
    [finished] = published_finished(handler)
    assert finished.status == "failed"
    assert finished.result is None
    assert finished.attempts == 3
    assert finished.error == "failed after 3 attempts (MemoryError)"
    assert isinstance(handler.store, MemoryResultStore)
    assert handler.store.rows[finished.job_id] == finished
    # A redelivery now reports the failure again instead of retrying.
    again = delivery_of(message, headers={"x-attempt": 3})
    assert await handler.handle(again) == Outcome.DUPLICATE
    assert again.settled == "ack"


async def test_single_attempt_configuration_never_retries() -> None:
    handler = make_handler(Work(fail=True), max_attempts=1)
    delivery = delivery_of(job_request())
    assert await handler.handle(delivery) == Outcome.FAILED
    assert delivery.settled == "reject"


POISON = [
    pytest.param(b"this is not json", {}, "job.requested.v1", id="not JSON"),
    pytest.param(b"\xff\xfe", {}, "job.requested.v1", id="not UTF-8"),
    pytest.param(b"[1, 2]", {}, "job.requested.v1", id="JSON but not an object"),
    pytest.param(job_request(limit=1), {}, "job.requested.v1", id="limit below 2"),
    pytest.param(job_request(extra=True), {}, "job.requested.v1", id="unknown field"),
    pytest.param(job_request(kind="count-words"), {}, "job.requested.v1", id="unknown kind"),
    pytest.param(job_request(jobId="42"), {}, "job.requested.v1", id="jobId not a uuid"),
    pytest.param(
        {
            "schemaVersion": 1,
            "job_id": str(uuid.uuid4()),
            "kind": "count-primes",
            "input": {"limit": 10},
            "requested_at": "2025-06-01T12:00:00Z",
        },
        {},
        "job.requested.v1",
        id="snake_case field names",
    ),
    pytest.param(job_request(), {}, "job.finished.v1", id="wrong message type"),
    pytest.param(job_request(), {"x-attempt": 0}, "job.requested.v1", id="attempt 0"),
    pytest.param(job_request(), {"x-attempt": "2"}, "job.requested.v1", id="attempt a string"),
    pytest.param(job_request(), {"x-attempt": True}, "job.requested.v1", id="attempt a bool"),
]


@pytest.mark.parametrize(("body", "headers", "message_type"), POISON)
async def test_poison_messages_are_rejected_without_retry(
    body: bytes | dict[str, Any], headers: dict[str, object], message_type: str
) -> None:
    work = Work()
    handler = make_handler(work)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    delivery = MemoryDelivery(body=raw, headers=headers, type=message_type)

    assert await handler.handle(delivery) == Outcome.REJECTED

    assert delivery.settled == "reject"
    assert work.calls == 0
    assert isinstance(handler.publisher, MemoryPublisher)
    assert handler.publisher.published == []


@pytest.mark.parametrize("version", [2, 0, "1", None])
async def test_unknown_schema_version_is_rejected(version: object) -> None:
    handler = make_handler()
    delivery = delivery_of(job_request(schemaVersion=version))
    assert await handler.handle(delivery) == Outcome.REJECTED
    assert delivery.settled == "reject"


async def test_a_message_without_type_property_is_accepted() -> None:
    delivery = delivery_of(job_request(limit=10), type=None)
    assert await make_handler().handle(delivery) == Outcome.SUCCEEDED


async def test_database_trouble_requeues_without_using_an_attempt() -> None:
    work = Work()
    handler = make_handler(work, store=MemoryResultStore(fail=ConnectionRefusedError()))
    delivery = delivery_of(job_request())

    assert await handler.handle(delivery) == Outcome.REQUEUED

    assert delivery.settled == "requeue"
    assert work.calls == 0


async def test_a_publish_that_is_not_confirmed_requeues() -> None:
    publisher = MemoryPublisher(fail=TimeoutError())
    handler = make_handler(publisher=publisher)
    delivery = delivery_of(job_request(limit=10))

    assert await handler.handle(delivery) == Outcome.REQUEUED

    assert delivery.settled == "requeue"
    # the result was stored before the publish: the redelivery reports it without recomputing
    publisher.fail = None
    again = delivery_of(json.loads(delivery.body))
    assert await handler.handle(again) == Outcome.DUPLICATE


async def test_a_lost_channel_while_requeueing_is_logged_not_raised() -> None:
    handler = make_handler(store=MemoryResultStore(fail=ConnectionResetError()))
    delivery = delivery_of(job_request(), fail_settling=ConnectionResetError())
    assert await handler.handle(delivery) == Outcome.REQUEUED
    assert delivery.settled is None  # the broker requeues what a closed channel held


async def test_finished_at_is_the_current_time_by_default() -> None:
    handler = JobHandler(
        publisher=MemoryPublisher(),
        store=MemoryResultStore(),
        work=Work(),
        names=NAMES,
        max_attempts=1,
        retry_delay_ms=lambda attempt: 1,
    )
    before = datetime.now(UTC)
    await handler.handle(delivery_of(job_request(limit=10)))
    [finished] = published_finished(handler)
    assert before <= finished.finished_at <= datetime.now(UTC)


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[MutableMapping[str, Any]]]:
    """What the handler logs. A fresh logger: configure_logging() caches the module's on first use,
    and a cached one would not see capture_logs()."""
    monkeypatch.setattr(handler_module, "logger", structlog.get_logger(handler_module.__name__))
    with capture_logs() as captured:
        yield captured


async def test_infrastructure_failures_back_off_per_message_one_line_each(
    logs: list[MutableMapping[str, Any]],
) -> None:
    store = MemoryResultStore(fail=RuntimeError("no such table: job_results\n[SQL: SELECT …]"))
    handler = JobHandler(
        publisher=MemoryPublisher(),
        store=store,
        work=Work(),
        names=NAMES,
        max_attempts=3,
        retry_delay_ms=lambda attempt: 1,
        requeue_delay_seconds=0.001,
        requeue_max_delay_seconds=0.004,
        jitter=lambda: 1.0,  # the full delay, so it can be compared
    )
    request = job_request()
    for _ in range(4):
        delivery = delivery_of(request)
        assert await handler.handle(delivery) == Outcome.REQUEUED
        assert delivery.settled == "requeue"  # given back, never dead-lettered
    other = delivery_of(job_request())
    await handler.handle(other)  # another message starts at the base delay
    lines = [line for line in logs if line["event"] == "message_requeued"]
    assert [line["retry_in_s"] for line in lines] == [0.001, 0.002, 0.004, 0.004, 0.001]
    assert [line["failures"] for line in lines] == [1, 2, 3, 4, 1]
    assert lines[0]["detail"] == "no such table: job_results"  # first line only
    assert lines[0]["error"] == "RuntimeError"
    assert all("exc_info" not in line and "exception" not in line for line in logs)
    assert len(logs) == len(lines)  # nothing else is logged per attempt

    store.fail = None  # the database is back: the job runs, and its back-off is forgotten
    assert await handler.handle(delivery_of(request)) == Outcome.SUCCEEDED
    assert handler.requeue_delay(1) == 0.001
    store.fail = ConnectionRefusedError()
    logs.clear()
    await handler.handle(delivery_of(request))
    assert [line["failures"] for line in logs if line["event"] == "message_requeued"] == [1]


def test_the_delay_is_jittered_between_half_and_all_of_it() -> None:
    handler = make_handler()
    handler.requeue_delay_seconds, handler.requeue_max_delay_seconds = 1.0, 60.0
    handler.jitter = lambda: 0.0
    assert [handler.requeue_delay(n) for n in (1, 2, 7, 8)] == [0.5, 1.0, 30.0, 30.0]
    handler.jitter = lambda: 1.0
    assert [handler.requeue_delay(n) for n in (1, 2, 7, 8)] == [1.0, 2.0, 60.0, 60.0]


async def test_stop_gives_a_held_message_back_at_once() -> None:
    handler = make_handler(store=MemoryResultStore(fail=ConnectionRefusedError()))
    handler.requeue_delay_seconds = handler.requeue_max_delay_seconds = 3600.0
    delivery = delivery_of(job_request())
    held = asyncio.create_task(handler.handle(delivery))
    await asyncio.sleep(0.05)
    assert not held.done()
    assert delivery.settled is None
    handler.stop()
    async with asyncio.timeout(5):
        assert await held == Outcome.REQUEUED
    assert delivery.settled == "requeue"
