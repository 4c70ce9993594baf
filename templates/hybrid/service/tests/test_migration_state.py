"""/readyz fails while the database is behind the migrations (the API's and the worker's)."""

import asyncio
from pathlib import Path

import pytest
from alembic import command
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text

from app.core.db import Database
from app.main import create_app
from app.migration_state import SCHEMA, SchemaBehindError, check_schema
from tests.conftest import alembic_config, make_settings


async def upgrade(url: str, revision: str) -> None:
    # alembic/env.py runs its own event loop: not on this one.
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


@pytest.fixture
def fresh_url(tmp_path: Path) -> str:
    # Its own SQLite file whatever DATABASE_URL says: these tests migrate it step by step.
    return f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"


async def test_behind_until_upgraded_to_head(fresh_url: str) -> None:
    db = Database(fresh_url)
    try:
        with pytest.raises(SchemaBehindError, match="no revision"):
            await check_schema(db.engine)  # never migrated: no alembic_version table at all
        await upgrade(fresh_url, "0001")
        with pytest.raises(SchemaBehindError, match="0001"):
            await check_schema(db.engine)
        await upgrade(fresh_url, "head")
        await check_schema(db.engine)
    finally:
        await db.dispose()


async def test_a_revision_from_a_newer_release_counts_as_current(fresh_url: str) -> None:
    await upgrade(fresh_url, "head")
    db = Database(fresh_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
        await check_schema(db.engine)  # a rolling deploy: old processes keep serving
    finally:
        await db.dispose()


async def test_api_readyz_is_503_until_migrated(fresh_url: str) -> None:
    app = create_app(make_settings(fresh_url), features=(SCHEMA,))
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/readyz")).status_code == 503
            assert (await client.get("/healthz")).status_code == 200
            await upgrade(fresh_url, "head")
            assert (await client.get("/readyz")).status_code == 200
