"""The real worker loop against RabbitMQ (AMQP_URL): success, retries into jobs.dead, and a
SIGTERM that lets in-flight jobs finish."""

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import httpx
from aio_pika import DeliveryMode

from app.contracts.generated import (
    JOB_FINISHED_V1_TYPE,
    CountPrimesResult,
    JobFinishedV1,
    JobRequestedV1,
)
from app.core.config import Settings
from app.worker.runner import Worker
from app.worker.store import DatabaseResultStore
from tests.conftest import PROJECT_ROOT
from tests.integration.conftest import Client, eventually, messaging_settings


@asynccontextmanager
async def running(worker: Worker) -> AsyncIterator[Worker]:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:

        async def ready() -> bool:
            assert not task.done(), task.exception()
            return await worker.is_ready()

        await eventually(ready, what="the worker to be ready")
        yield worker
    finally:
        stop.set()
        async with asyncio.timeout(60):
            await task


def finished_of(message_body: bytes) -> JobFinishedV1:
    return JobFinishedV1.model_validate_json(message_body, by_name=False)


async def test_a_requested_job_is_computed_and_reported(
    settings: Settings, amqp_url: str, namespace: str, client: Client
) -> None:
    worker = Worker(settings, messaging_settings(amqp_url, namespace))  # the real process pool
    async with running(worker):
        job_id = await client.request(1000, correlation_id="req-abc")
        message = await client.next_message(client.names.finished_queue)

    finished = finished_of(message.body)
    assert finished.job_id == UUID(job_id)
    assert finished.status == "succeeded"
    assert finished.result == CountPrimesResult(count=168, largest=997)
    assert (finished.attempts, finished.error) == (1, None)
    assert (message.type, message.message_id, message.correlation_id) == (
        JOB_FINISHED_V1_TYPE,
        job_id,
        "req-abc",
    )
    assert message.content_type == "application/json"
    assert message.delivery_mode == DeliveryMode.PERSISTENT
    assert await DatabaseResultStore(worker.db).get(UUID(job_id)) == finished
    await worker.db.dispose()
    assert await client.ready_count(client.names.requested_queue) == 0


async def always_fails(job: JobRequestedV1) -> CountPrimesResult:
    raise RuntimeError("boom")


async def test_a_job_that_always_fails_ends_in_jobs_dead(
    settings: Settings, amqp_url: str, namespace: str, client: Client
) -> None:
    messaging = messaging_settings(
        amqp_url, namespace, worker_max_attempts=3, worker_retry_base_ms=50
    )
    worker = Worker(settings, messaging, work=always_fails)
    async with running(worker):
        job_id = await client.request(100)
        dead = await client.next_message(client.names.dead_queue)
        finished = finished_of((await client.next_message(client.names.finished_queue)).body)

    # The message went requested -> retry (50 ms) -> requested -> retry (100 ms) -> requested
    # -> rejected on attempt 3 -> jobs.dlx -> jobs.dead.
    assert dead.message_id == job_id
    assert dead.headers["x-attempt"] == 3
    assert json.loads(dead.body)["jobId"] == job_id
    assert (finished.status, finished.attempts, finished.result) == ("failed", 3, None)
    assert finished.error == "failed after 3 attempts (RuntimeError)"
    await worker.db.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_sigterm_finishes_in_flight_jobs_then_exits_0(
    database_url: str, amqp_url: str, namespace: str, client: Client
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "AMQP_URL": amqp_url,
        "AMQP_NAMESPACE": namespace,
        "WORKER_HEALTH_PORT": str(port),
        "WORKER_PROCESSES": "1",
        "WORKER_PREFETCH": "4",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.worker",
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as probes:

            async def ready() -> bool:
                try:
                    return (await probes.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, what="the worker's /readyz")

        # ~1 s of CPU each on one pool process: all three are in the worker when SIGTERM comes.
        jobs = [await client.request(50_000_000) for _ in range(3)]

        async def all_delivered() -> bool:
            return await client.ready_count(client.names.requested_queue) == 0

        await eventually(all_delivered, what="the jobs to reach the worker")
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            stdout, _ = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    output = stdout.decode()
    assert proc.returncode == 0, output
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    names = [event["event"] for event in events]
    # the jobs finished after the stop request, and nothing was left behind
    assert names.index("worker_stopping") < names.index("job_succeeded")
    assert names[-1] == "worker_stopped"
    reported = [
        finished_of((await client.next_message(client.names.finished_queue)).body) for _ in jobs
    ]
    assert sorted(str(f.job_id) for f in reported) == sorted(jobs)
    assert {f.result for f in reported} == {CountPrimesResult(count=3001134, largest=49999991)}
    assert await client.ready_count(client.names.requested_queue) == 0
