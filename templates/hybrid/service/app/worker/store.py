"""The handler's ResultStore on the service database: one short transaction per call."""

from uuid import UUID

from app.contracts.generated import JobFinishedV1
from app.core.db import Database
from app.results.models import JobResult
from app.results.repository import JobResultRepository


class DatabaseResultStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, job_id: UUID) -> JobFinishedV1 | None:
        async with self._db.session() as session:
            row = await JobResultRepository(session).get(job_id)
            return None if row is None else row.to_message()

    async def add(self, finished: JobFinishedV1) -> JobFinishedV1:
        async with self._db.session() as session:
            repository = JobResultRepository(session)
            inserted = await repository.insert_if_absent(JobResult.from_message(finished))
            await session.commit()
            if inserted:
                return finished
            # Another delivery of the same job stored its result first: report that one, so
            # every JobFinishedV1 for a job says the same thing.
            return (await repository.get_one(finished.job_id)).to_message()
