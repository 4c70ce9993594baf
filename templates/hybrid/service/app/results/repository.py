"""Data access for job_results: queries only, no transaction decisions."""

import uuid
from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.results.models import JobResult


class JobResultRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, job_id: uuid.UUID) -> JobResult | None:
        return await self._session.get(JobResult, job_id)

    async def get_one(self, job_id: uuid.UUID) -> JobResult:
        """Raises sqlalchemy.exc.NoResultFound when there is no row (rows are never deleted)."""
        return await self._session.get_one(JobResult, job_id)

    async def insert_if_absent(self, row: JobResult) -> bool:
        """INSERT … ON CONFLICT DO NOTHING: True when this call stored the row, False when one
        for the job was there already (two deliveries of one job racing)."""
        values = {column.key: getattr(row, column.key) for column in JobResult.__table__.columns}
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(JobResult).values(values).on_conflict_do_nothing(index_elements=["job_id"])
        result = cast("CursorResult[Any]", await self._session.execute(stmt))
        return result.rowcount == 1
