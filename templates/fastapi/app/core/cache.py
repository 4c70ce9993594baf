"""The read cache services look values up in first (cache-aside). The starter caches nothing;
a feature (app/features.py) may put a real one on app.state.cache in its lifespan hook."""

from typing import Protocol


class ReadCache(Protocol):
    """Text values by key, each kept for the cache's own TTL.

    Implementations never raise: a cache that cannot answer is a miss and a write to it is
    dropped, so the database stays the source of truth and an outage costs speed, not answers.
    """

    async def get(self, key: str) -> str | None:
        """The value stored under `key`; None when absent, expired or unreachable."""
        ...

    async def set(self, key: str, value: str) -> None: ...

    async def delete(self, key: str) -> None:
        """Forget `key`; call it after every write to what the key caches."""
        ...


class NoCache:
    """Caches nothing: every read goes to the database."""

    async def get(self, key: str) -> str | None:
        return None

    async def set(self, key: str, value: str) -> None:
        return None

    async def delete(self, key: str) -> None:
        return None


NO_CACHE: ReadCache = NoCache()
