"""The API with the cache: GET /users/{id} reads through Redis, writes invalidate, and the API
answers from the database while Redis is down. Over a real Redis when REDIS_URL is set."""

import json
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import update

from app.cache.feature import CACHE
from app.core.cache import NO_CACHE
from app.core.config import Settings
from app.main import create_app
from app.models import User
from tests.cache.test_redis_cache import closed_port
from tests.conftest import client_for, running

REDIS_URL = os.environ.get("REDIS_URL")
SAMPLE = {"email": "ada@example.com", "name": "Ada Lovelace"}


async def create_user(client: AsyncClient) -> dict[str, str]:
    response = await client.post("/users", json=SAMPLE)
    assert response.status_code == 201, response.text
    user: dict[str, str] = response.json()
    return user


async def test_with_redis_down_the_api_answers_and_readyz_says_degraded(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{closed_port()}/0")
    app = create_app(settings, features=[CACHE])
    async with running(app), client_for(app) as client:
        user = await create_user(client)
        for _ in range(2):
            response = await client.get(f"/users/{user['id']}")
            assert response.status_code == 200
            assert response.json() == user
        patched = await client.patch(f"/users/{user['id']}", json={"name": "Ada King"})
        assert patched.status_code == 200
        assert (await client.get(f"/users/{user['id']}")).json()["name"] == "Ada King"
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "degraded",
            "checks": {"database": "ok", "cache": "unavailable"},
        }
    assert app.state.cache is NO_CACHE  # closed at shutdown


@pytest.fixture
async def redis(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Redis, str]]:
    """The Redis at REDIS_URL and a key prefix of this test's, deleted afterwards: runs on a
    shared Redis never collide. The app reads both from the environment."""
    if REDIS_URL is None:
        pytest.skip("REDIS_URL is not set")
    prefix = f"api-test-{uuid.uuid4().hex[:8]}:"
    monkeypatch.setenv("CACHE_KEY_PREFIX", prefix)
    monkeypatch.setenv("CACHE_TIMEOUT_MS", "5000")  # behaviour, not speed, on a busy machine
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        yield client, prefix
    finally:
        async for key in client.scan_iter(match=f"{prefix}*"):
            await client.delete(key)
        await client.aclose()


def cached_app(settings: Settings) -> FastAPI:
    # Made inside the test, so its logs go to the stdout the test reads; hits and misses are
    # logged at debug level.
    return create_app(settings.model_copy(update={"log_level": "DEBUG"}), features=[CACHE])


async def test_a_read_is_cached_then_served_from_redis(
    settings: Settings, redis: tuple[Redis, str], capsys: pytest.CaptureFixture[str]
) -> None:
    store, prefix = redis
    app = cached_app(settings)
    async with running(app), client_for(app) as client:
        assert (await client.get("/readyz")).json() == {
            "status": "ok",
            "checks": {"database": "ok", "cache": "ok"},
        }
        user = await create_user(client)
        key = f"{prefix}users:{user['id']}"
        assert await store.exists(key) == 0  # a write caches nothing
        capsys.readouterr()  # what start-up and the POST logged
        first = await client.get(f"/users/{user['id']}")
        assert first.json() == user
        assert 0 < await store.ttl(key) <= 60
        # Changed behind the API's back: the cached copy answers until the TTL ends.
        async with app.state.db.session() as session:
            await session.execute(
                update(User).where(User.id == uuid.UUID(user["id"])).values(name="In SQL")
            )
            await session.commit()
        assert (await client.get(f"/users/{user['id']}")).json()["name"] == "Ada Lovelace"
    lines = capsys.readouterr().out.splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert [(e["event"], e["key"]) for e in entries if str(e["event"]).startswith("cache_")] == [
        ("cache_miss", key),
        ("cache_hit", key),
    ]
    # Keys name ids only: the email never reaches the log.
    assert SAMPLE["email"] not in repr(entries)


async def test_patch_and_delete_invalidate(settings: Settings, redis: tuple[Redis, str]) -> None:
    store, prefix = redis
    app = cached_app(settings)
    async with running(app), client_for(app) as client:
        user = await create_user(client)
        key = f"{prefix}users:{user['id']}"
        await client.get(f"/users/{user['id']}")
        assert await store.exists(key) == 1
        assert (await client.patch(f"/users/{user['id']}", json={"name": "Ada King"})).is_success
        assert await store.exists(key) == 0
        assert (await client.get(f"/users/{user['id']}")).json()["name"] == "Ada King"
        assert (await client.delete(f"/users/{user['id']}")).status_code == 204
        assert await store.exists(key) == 0
        assert (await client.get(f"/users/{user['id']}")).status_code == 404
        assert await store.exists(key) == 0  # a 404 is not cached
