"""The worker's probe server, over real sockets."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from app.worker.health import HealthServer


class Readiness:
    def __init__(self) -> None:
        self.ready = True

    async def __call__(self) -> bool:
        return self.ready


@pytest.fixture
async def server() -> AsyncIterator[tuple[HealthServer, Readiness]]:
    readiness = Readiness()
    health = HealthServer("127.0.0.1", 0, readiness)
    await health.start()
    try:
        yield health, readiness
    finally:
        await health.close()


async def test_healthz_and_readyz(server: tuple[HealthServer, Readiness]) -> None:
    health, readiness = server
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{health.port}") as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ok"})

        readiness.ready = False
        not_ready = await client.get("/readyz?verbose=1")
        assert (not_ready.status_code, not_ready.json()) == (503, {"status": "unavailable"})
        # liveness does not depend on the broker or the database
        assert (await client.get("/healthz")).status_code == 200

        assert (await client.get("/metrics")).status_code == 404
        assert (await client.post("/readyz")).status_code == 400


async def test_garbage_and_silence_get_400(server: tuple[HealthServer, Readiness]) -> None:
    health, _ = server

    async def exchange(raw: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", health.port)
        writer.write(raw)
        await writer.drain()
        if not raw:
            writer.write_eof()
        answer = await reader.read()
        writer.close()
        await writer.wait_closed()
        return answer

    assert (await exchange(b"nonsense\r\n\r\n")).startswith(b"HTTP/1.1 400 ")
    big = b"GET /healthz HTTP/1.1\r\nX-Pad: " + b"a" * 9000 + b"\r\n\r\n"
    assert (await exchange(big)).startswith(b"HTTP/1.1 400 ")
    assert (await exchange(b"")).startswith(b"HTTP/1.1 400 ")  # closed before a request


def test_port_is_unknown_before_start() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = HealthServer("127.0.0.1", 0, Readiness()).port
