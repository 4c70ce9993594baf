"""Test set-up: one migrated database per run, a fresh app (and engine) per test.

Without DATABASE_URL the tests use a throw-away SQLite file. With it (PostgreSQL in CI) they
run against that database; its name must contain "test", because every test empties the tables.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.models import Base

# app.main builds a module-level app on import; keep that one harmless in any shell.
os.environ["ENVIRONMENT"] = "test"

from app.main import create_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config(PROJECT_ROOT / "alembic.ini")
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "log_level": "WARNING",
        "rate_limit_enabled": False,
        "cors_origins": (),
        "docs_enabled": True,
    }
    values.update(overrides)
    # _env_file=None: a developer's .env must not change what the tests test.
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        url = make_settings(url).database_url  # same normalisation as the app
        name = make_url(url).database or ""
        if "test" not in name:
            pytest.exit(
                f"DATABASE_URL points at database {name!r}; the tests delete all rows, so use a "
                "database whose name contains 'test'.",
                returncode=2,
            )
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    # The schema comes from the migrations, exactly as in production (not create_all).
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    # httpx's ASGITransport does not send lifespan events; run the lifespan by hand.
    async with app.router.lifespan_context(app):
        async with app.state.db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(delete(table))
        yield app


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running(create_app(settings)) as started:
        yield started


def client_for(app: FastAPI) -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with client_for(app) as c:
        yield c
