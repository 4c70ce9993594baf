"""The worker's lifecycle without a broker: probes up at once, not ready while the broker is
unreachable, and a stop request ends the wait for the broker cleanly."""

import asyncio
from pathlib import Path

import httpx
import pytest

from app.contracts.generated import CountPrimesResult, JobRequestedV1
from app.core.config import Settings
from app.messaging.settings import MessagingSettings
from app.worker import runner
from app.worker.consumer import Consumer
from app.worker.runner import Worker

UNREACHABLE = "amqp://guest:guest@127.0.0.1:1/"


def messaging(**values: object) -> MessagingSettings:
    base: dict[str, object] = {
        "environment": "test",
        "amqp_url": UNREACHABLE,
        "amqp_namespace": "unit",
        "worker_health_port": 0,  # any free port; Worker.health.port says which
        "worker_processes": 1,
    }
    base.update(values)
    return MessagingSettings(_env_file=None, **base)  # type: ignore[arg-type]


async def wait_for_probes(worker: Worker) -> httpx.AsyncClient:
    for _ in range(100):
        if worker.health._server is not None:
            return httpx.AsyncClient(base_url=f"http://127.0.0.1:{worker.health.port}")
        await asyncio.sleep(0.05)
    raise AssertionError("the health server did not start")


async def test_waits_for_the_broker_unready_and_stops_on_request(settings: Settings) -> None:
    worker = Worker(settings, messaging())  # the real process pool, never used here
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    async with await wait_for_probes(worker) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 503
        assert not await worker.is_ready()

        stop.set()
        async with asyncio.timeout(10):
            await running
    assert worker.consumer.connection.is_closed


async def never_called(job: JobRequestedV1) -> CountPrimesResult:
    raise AssertionError("no job should run")


async def test_readiness_needs_the_database_reachable_and_migrated(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend the consumer is up: only the database decides now.
    monkeypatch.setattr(Consumer, "is_consuming", property(lambda self: True))
    never_migrated = settings.model_copy(
        update={"database_url": f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"}
    )
    for database_settings, ready in ((settings, True), (never_migrated, False)):
        worker = Worker(database_settings, messaging(), work=never_called)
        try:
            assert await worker.is_ready() is ready
        finally:
            await worker.db.dispose()


async def test_readiness_fails_when_the_database_is_unreachable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Consumer, "is_consuming", property(lambda self: True))

    async def unreachable(engine: object) -> None:
        raise ConnectionRefusedError

    monkeypatch.setattr(runner, "check_schema", unreachable)
    worker = Worker(settings, messaging(), work=never_called)
    try:
        assert await worker.is_ready() is False
    finally:
        await worker.db.dispose()
