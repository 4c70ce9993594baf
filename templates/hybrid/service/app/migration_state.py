"""Is the database schema at the head of alembic/versions? Part of /readyz (API and worker).

A process whose tables are missing or old answers every request with a 500 and fails every job:
it must not be "ready". The check compares the revisions stored in the database (alembic_version)
with the heads of the migration scripts shipped with this code.
"""

from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.features import Feature

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"
VERSION_TABLE = "alembic_version"  # alembic's default, which alembic/env.py keeps


class SchemaBehindError(Exception):
    """The database lacks migrations this code needs (run `alembic upgrade head`)."""


@cache
def _script_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every revision) of the migration scripts: read once, they do not change."""
    script = ScriptDirectory.from_config(Config(ALEMBIC_INI))
    return frozenset(script.get_heads()), frozenset(r.revision for r in script.walk_revisions())


def _current_revisions(connection: Connection) -> frozenset[str]:
    # Read directly rather than through alembic's MigrationContext, which logs two INFO lines
    # each time: this runs on every probe.
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()  # never migrated
    return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


async def check_schema(engine: AsyncEngine) -> None:
    """Raises SchemaBehindError unless the database is at (or past) this code's migration heads."""
    heads, known = _script_revisions()
    async with engine.connect() as connection:
        current = await connection.run_sync(_current_revisions)
    if heads <= current:
        return
    if current - known:
        # A newer release has migrated the database already (a rolling deploy): its migrations
        # keep old code working, so this process stays in service until it is replaced.
        return
    raise SchemaBehindError(
        f"database at {sorted(current) or 'no revision'}, migrations head {sorted(heads)}"
    )


async def schema_ready(app: FastAPI) -> None:
    await check_schema(app.state.db.engine)


SCHEMA = Feature(name="schema", readiness_checks={"schema": schema_ready})
