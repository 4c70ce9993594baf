"""The cache's lifecycle: created at start-up (Redis may be down), part of /readyz without
deciding it, closed at shutdown."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.exceptions import RedisError

from app.cache.redis_cache import RedisCache
from app.cache.settings import CacheSettings
from app.core.cache import NO_CACHE
from app.core.features import Feature


async def _connect(cache: RedisCache) -> None:
    # Opens the first connection, so the log says at start-up whether Redis answers.
    with contextlib.suppress(RedisError, OSError):  # logged by the cache; requests miss
        await cache.ping()


@asynccontextmanager
async def cache_lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = CacheSettings()  # `python -m app` has validated it already
    cache = RedisCache.from_settings(settings)
    # In the background: start-up does not wait for a Redis that is down or slow.
    connecting = asyncio.create_task(_connect(cache))
    app.state.cache = cache
    try:
        yield
    finally:
        app.state.cache = NO_CACHE
        connecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await connecting
        await cache.close()


async def cache_ready(app: FastAPI) -> None:
    cache: RedisCache = app.state.cache
    await cache.ping()


CACHE = Feature(
    name="cache",
    lifespan=cache_lifespan,
    # Non-critical: while Redis is down the API answers from the database, so /readyz reports
    # checks.cache = "unavailable" and stays 200 rather than taking the instance out of rotation.
    noncritical_checks={"cache": cache_ready},
    settings=[CacheSettings],
)
