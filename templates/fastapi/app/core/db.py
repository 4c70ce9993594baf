"""Async SQLAlchemy engine and session factory, one per application instance."""

from sqlalchemy import text
from sqlalchemy.ext import asyncio as sa_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

# create_async_engine is looked up on its module when called, not imported by name: an
# instrumentation that wraps it there (OpenTelemetry's SQLAlchemy one, started by the otel
# feature) then sees every engine.


class Database:
    def __init__(self, url: str, *, pool_size: int = 5) -> None:
        if url.startswith("postgresql"):
            # pre_ping replaces connections the server or a proxy closed while idle.
            self.engine: AsyncEngine = sa_asyncio.create_async_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )
        else:
            self.engine = sa_asyncio.create_async_engine(url)
        # expire_on_commit=False: returned objects stay readable after commit without
        # an implicit (and, under asyncio, forbidden) lazy reload.
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()

    def session(self) -> AsyncSession:
        return self.sessionmaker()
