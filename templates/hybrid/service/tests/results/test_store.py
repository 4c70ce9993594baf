"""job_results through the worker's store: round trip, and first writer wins."""

import uuid
from datetime import UTC, datetime

from fastapi import FastAPI

from app.contracts.generated import CountPrimesResult, JobFinishedV1
from app.worker.store import DatabaseResultStore


def finished(job_id: uuid.UUID, **overrides: object) -> JobFinishedV1:
    values: dict[str, object] = {
        "schema_version": 1,
        "job_id": job_id,
        "status": "succeeded",
        "result": CountPrimesResult(count=25, largest=97),
        "error": None,
        "attempts": 2,
        "finished_at": datetime(2025, 6, 1, 12, 0, 0, 123000, tzinfo=UTC),
    }
    values.update(overrides)
    return JobFinishedV1.model_validate(values)


async def test_round_trip(app: FastAPI) -> None:
    store = DatabaseResultStore(app.state.db)
    job_id = uuid.uuid4()
    assert await store.get(job_id) is None
    message = finished(job_id)
    assert await store.add(message) == message
    assert await store.get(job_id) == message  # timezone-aware, result parsed back


async def test_failed_result_round_trip(app: FastAPI) -> None:
    store = DatabaseResultStore(app.state.db)
    message = finished(uuid.uuid4(), status="failed", result=None, error="failed after 5")
    await store.add(message)
    assert await store.get(message.job_id) == message


async def test_the_first_result_stored_wins(app: FastAPI) -> None:
    store = DatabaseResultStore(app.state.db)
    job_id = uuid.uuid4()
    first = finished(job_id)
    await store.add(first)
    late = finished(job_id, attempts=3, result=CountPrimesResult(count=1, largest=2))
    assert await store.add(late) == first
    assert await store.get(job_id) == first
