"""Probes: /healthz says the process serves requests, /readyz that it can reach the database."""

import asyncio

import structlog
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from app.api.deps import DatabaseDep
from app.schemas import Status

logger = structlog.get_logger(__name__)

READINESS_TIMEOUT_SECONDS = 2.0


async def healthz() -> Status:
    # No I/O: a liveness probe that waits on the database restarts healthy pods during a DB outage.
    return Status(status="ok")


async def readyz(db: DatabaseDep) -> Status | JSONResponse:
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            await db.ping()
    except Exception as exc:  # any failure means "not ready"; the cause goes to the log only
        logger.warning("readiness_check_failed", error=type(exc).__name__)
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return Status(status="ok")


def add_probe_routes(app: FastAPI) -> None:
    # Registered on the app itself, not through include_router: FastAPI resolves included
    # routers with an extra matching layer per request, measurable on endpoints that load
    # balancers and orchestrators poll all the time.
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["health"])
    app.add_api_route(
        "/readyz",
        readyz,
        methods=["GET"],
        tags=["health"],
        response_model=Status,
        responses={503: {"model": Status, "description": "Database unreachable"}},
    )
