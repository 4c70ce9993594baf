import uuid

from fastapi import FastAPI
from httpx import AsyncClient

from app.worker.store import DatabaseResultStore
from tests.results.test_store import finished


async def test_get_result(app: FastAPI, client: AsyncClient) -> None:
    job_id = uuid.uuid4()
    missing = await client.get(f"/results/{job_id}")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Result not found",
        "instance": f"/results/{job_id}",
    }

    await DatabaseResultStore(app.state.db).add(finished(job_id))
    response = await client.get(f"/results/{job_id}")
    assert response.status_code == 200
    assert response.json() == {
        "schemaVersion": 1,
        "jobId": str(job_id),
        "status": "succeeded",
        "result": {"count": 25, "largest": 97},
        "error": None,
        "attempts": 2,
        "finishedAt": "2025-06-01T12:00:00.123000Z",
    }


async def test_an_id_that_is_not_a_uuid_is_422(client: AsyncClient) -> None:
    assert (await client.get("/results/42")).status_code == 422
