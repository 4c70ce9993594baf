"""GET /results/{job_id}: what the worker reported for a job, as the JobFinishedV1 it published."""

import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, status

from app.api.deps import SessionDep
from app.contracts.generated import JobFinishedV1
from app.results.repository import JobResultRepository
from app.schemas import Problem

router = APIRouter(prefix="/results", tags=["results"])

# As in the users routes: app.core.openapi files model=Problem as application/problem+json.
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No result for this job (yet)"}
}


@router.get("/{job_id}", responses=NOT_FOUND)
async def get_result(job_id: uuid.UUID, session: SessionDep) -> JobFinishedV1:
    row = await JobResultRepository(session).get(job_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Result not found")
    return row.to_message()
