"""RedisCache against Redis that is down or stalled (always), and a real one (with REDIS_URL).

Down is a closed port and stalled a socket that accepts and never answers, both on 127.0.0.1:
the cache must answer a miss in bounded time and never raise into a request.
"""

import asyncio
import json
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.cache import redis_cache
from app.cache.redis_cache import RedisCache
from app.cache.settings import CacheSettings
from app.core.logging import configure_logging

REDIS_URL = os.environ.get("REDIS_URL")
needs_redis = pytest.mark.skipif(REDIS_URL is None, reason="REDIS_URL is not set")


def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Logs:
    """The cache's JSON log lines on stdout, read as an operator would read them."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        # Configured here, inside the test: the logger writes to the stdout the test reads.
        configure_logging("DEBUG")
        self._capsys = capsys

    def read(self) -> list[dict[str, object]]:
        out = self._capsys.readouterr().out
        entries = (json.loads(line) for line in out.splitlines() if line.startswith("{"))
        return [entry for entry in entries if str(entry["event"]).startswith("cache_")]


def cache_for(url: str, *, timeout_ms: int = 200, prefix: str = "t:") -> RedisCache:
    settings = CacheSettings(
        _env_file=None,
        redis_url=SecretStr(url),
        cache_timeout_ms=timeout_ms,
        cache_key_prefix=prefix,
        cache_ttl_seconds=30,
    )
    return RedisCache.from_settings(settings)


async def test_a_down_redis_is_a_miss_and_writes_are_dropped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs = Logs(capsys)
    cache = cache_for(f"redis://127.0.0.1:{closed_port()}/0")
    try:
        assert await cache.get("users:1") is None
        await cache.set("users:1", "{}")
        await cache.delete("users:1")
        with pytest.raises((RedisError, OSError)):
            await cache.ping()
    finally:
        await cache.close()
    entries = logs.read()
    events = [entry["event"] for entry in entries]
    # Once per outage at warning level; a failed invalidation is always reported.
    assert events.count("cache_unavailable") == 1
    assert "cache_invalidation_failed" in events
    warning = next(entry for entry in entries if entry["event"] == "cache_unavailable")
    assert warning["key"] == "t:users:1"
    assert warning["level"] == "warning"


async def test_after_a_failure_reads_skip_redis_for_a_while(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A window no pause of a busy machine outlasts between the two reads.
    monkeypatch.setattr(redis_cache, "BACKOFF_SECONDS", 600.0)
    logs = Logs(capsys)
    cache = cache_for(f"redis://127.0.0.1:{closed_port()}/0")
    try:
        assert await cache.get("a") is None
        assert await cache.get("b") is None
    finally:
        await cache.close()
    entries = logs.read()
    assert [entry["event"] for entry in entries] == ["cache_unavailable", "cache_miss"]
    assert entries[-1]["key"] == "t:b"
    assert entries[-1]["reason"] == "unavailable"


@pytest.fixture
async def stalled_url() -> AsyncIterator[str]:
    """A server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_stalled_redis_costs_a_read_no_more_than_the_timeout(
    stalled_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = Logs(capsys)
    cache = cache_for(stalled_url, timeout_ms=100)
    try:
        started = time.monotonic()
        assert await cache.get("users:1") is None
        elapsed = time.monotonic() - started
    finally:
        await cache.close()
    # Bounded by the timeout, not by redis-py's retries; generous for a loaded machine.
    assert 0.09 <= elapsed < 5
    assert [(e["event"], e["error"]) for e in logs.read()] == [
        ("cache_unavailable", "TimeoutError")
    ]


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    assert REDIS_URL is not None
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    yield client
    await client.aclose()


@needs_redis
async def test_values_live_under_the_prefix_with_the_ttl(
    redis: Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    assert REDIS_URL is not None
    logs = Logs(capsys)
    prefix = f"cache-test-{uuid.uuid4().hex[:8]}:"
    cache = cache_for(REDIS_URL, timeout_ms=5_000, prefix=prefix)
    try:
        assert await cache.get("users:1") is None
        await cache.set("users:1", '{"name": "Ada"}')
        assert await cache.get("users:1") == '{"name": "Ada"}'
        assert await redis.get(f"{prefix}users:1") == '{"name": "Ada"}'
        assert 0 < await redis.ttl(f"{prefix}users:1") <= 30
        assert await redis.exists("users:1") == 0
        await cache.delete("users:1")
        assert await redis.exists(f"{prefix}users:1") == 0
        await cache.ping()
    finally:
        await cache.close()
    assert [(e["event"], e.get("key")) for e in logs.read()] == [
        ("cache_connected", None),
        ("cache_miss", f"{prefix}users:1"),
        ("cache_hit", f"{prefix}users:1"),
    ]
