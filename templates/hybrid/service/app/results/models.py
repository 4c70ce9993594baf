"""job_results: one row per finished job. The primary key on job_id is what makes the worker
idempotent: a redelivered job finds its row instead of being computed and reported again."""

import uuid
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import JSON, CheckConstraint, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.contracts.generated import CountPrimesResult, JobFinishedV1
from app.models import Base, UTCDateTime

FinishedStatus = Literal["succeeded", "failed"]


class JobResult(Base):
    __tablename__ = "job_results"
    __table_args__ = (CheckConstraint("status IN ('succeeded', 'failed')", name="status"),)

    job_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    # The kind's result as JSON, so another job kind needs no schema change.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(1000))
    attempts: Mapped[int]
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @classmethod
    def from_message(cls, message: JobFinishedV1) -> "JobResult":
        return cls(
            job_id=message.job_id,
            status=message.status,
            result=None if message.result is None else message.result.model_dump(),
            error=message.error,
            attempts=message.attempts,
            finished_at=message.finished_at,
        )

    def to_message(self) -> JobFinishedV1:
        return JobFinishedV1(
            schema_version=1,
            job_id=self.job_id,
            status=cast(FinishedStatus, self.status),  # the check constraint guarantees it
            result=None if self.result is None else CountPrimesResult.model_validate(self.result),
            error=self.error,
            attempts=self.attempts,
            finished_at=self.finished_at,
        )
