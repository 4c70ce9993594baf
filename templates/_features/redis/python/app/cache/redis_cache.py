"""A ReadCache (app/core/cache.py) over Redis, with redis.asyncio (redis-py).

Never raises into a request: an error or a slow answer is logged and read as a miss, so the
database answers instead. Logs name keys only, never values (they hold emails).
"""

import time

import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from app.cache.settings import CLIENT_NAME, CacheSettings

# After a failure, reads and writes skip Redis (a miss at once) for this long instead of each
# paying the timeout again. Invalidations and the readiness check always try.
BACKOFF_SECONDS = 1.0


def redis_client(settings: CacheSettings) -> Redis:
    """Not connected yet: connections are opened on first use and after every failure."""
    return Redis.from_url(
        settings.redis_url.get_secret_value(),
        decode_responses=True,
        socket_connect_timeout=settings.timeout_seconds,
        socket_timeout=settings.timeout_seconds,
        # No retries: redis-py's default (3, with backoff of up to seconds) would hold a request
        # that the database can answer in milliseconds.
        retry=Retry(NoBackoff(), 0),
        # Shown by CLIENT LIST, next to the other parts' connections (Redis refuses spaces).
        client_name=CLIENT_NAME,
    )


class RedisCache:
    def __init__(self, client: Redis, *, key_prefix: str, ttl_seconds: int) -> None:
        self.client = client
        self._prefix = key_prefix
        self._ttl = ttl_seconds
        self._skip_until = 0.0
        self._available: bool | None = None  # None: not tried yet
        # Looked up per instance, after the app configured logging.
        self._log = structlog.get_logger(__name__)

    @classmethod
    def from_settings(cls, settings: CacheSettings) -> "RedisCache":
        return cls(
            redis_client(settings),
            key_prefix=settings.cache_key_prefix,
            ttl_seconds=settings.cache_ttl_seconds,
        )

    async def get(self, key: str) -> str | None:
        key = self._prefix + key
        if self._skipping():
            self._log.debug("cache_miss", key=key, reason="unavailable")
            return None
        try:
            value = await self.client.get(key)
        except (RedisError, OSError) as exc:
            self._failed(exc, "get", key)
            return None
        self._succeeded()
        self._log.debug("cache_miss" if value is None else "cache_hit", key=key)
        return None if value is None else str(value)

    async def set(self, key: str, value: str) -> None:
        key = self._prefix + key
        if self._skipping():
            return
        try:
            await self.client.set(key, value, ex=self._ttl)
        except (RedisError, OSError) as exc:
            self._failed(exc, "set", key)
        else:
            self._succeeded()

    async def delete(self, key: str) -> None:
        key = self._prefix + key
        # Tried even while skipping: a missed invalidation serves the old value until its TTL
        # ends (if Redis kept it), so it is logged as such.
        try:
            await self.client.delete(key)
        except (RedisError, OSError) as exc:
            self._failed(exc, "delete", key)
            self._log.warning("cache_invalidation_failed", key=key, error=type(exc).__name__)
        else:
            self._succeeded()

    async def ping(self) -> None:
        """Raises when Redis does not answer; for /readyz and the first connection."""
        try:
            await self.client.ping()
        except (RedisError, OSError) as exc:
            self._failed(exc, "ping", None)
            raise
        self._succeeded()

    async def close(self) -> None:
        await self.client.aclose()

    def _skipping(self) -> bool:
        return time.monotonic() < self._skip_until

    def _failed(self, exc: BaseException, operation: str, key: str | None) -> None:
        self._skip_until = time.monotonic() + BACKOFF_SECONDS
        error = type(exc).__name__
        if self._available is not False:
            # Once per outage, not once per request.
            self._log.warning("cache_unavailable", operation=operation, key=key, error=error)
        else:
            self._log.debug("cache_error", operation=operation, key=key, error=error)
        self._available = False

    def _succeeded(self) -> None:
        self._skip_until = 0.0
        if self._available is not True:
            self._log.info("cache_connected")
        self._available = True
