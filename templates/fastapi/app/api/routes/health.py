"""Probes: /healthz says the process serves requests, /readyz that it can reach its dependencies
(the database, plus whatever the features in app/features.py check). A feature's non-critical
checks (a cache) are reported in the body without making the instance unready."""

import asyncio
from collections.abc import Mapping

import structlog
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from app.core.features import ReadinessCheck
from app.schemas import CheckState, Readiness, Status

logger = structlog.get_logger(__name__)

READINESS_TIMEOUT_SECONDS = 2.0


async def healthz() -> Status:
    # No I/O: a liveness probe that waits on the database restarts healthy pods during a DB outage.
    return Status(status="ok")


async def database_ready(app: FastAPI) -> None:
    await app.state.db.ping()


async def _passes(app: FastAPI, name: str, check: ReadinessCheck, *, critical: bool) -> bool:
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            await check(app)
    except Exception as exc:  # any failure means "not ready"; the cause goes to the log only
        logger.warning(
            "readiness_check_failed", check=name, critical=critical, error=type(exc).__name__
        )
        return False
    return True


def add_probe_routes(
    app: FastAPI,
    checks: Mapping[str, ReadinessCheck],
    noncritical: Mapping[str, ReadinessCheck] | None = None,
) -> None:
    """All checks run concurrently on every /readyz, so the probe takes as long as the slowest.
    A failing one of `checks` makes it 503; `noncritical` ones are only reported."""
    optional = dict(noncritical or {})

    async def readyz() -> Readiness | JSONResponse:
        results = await asyncio.gather(
            *(_passes(app, n, c, critical=True) for n, c in checks.items()),
            *(_passes(app, n, c, critical=False) for n, c in optional.items()),
        )
        if not all(results[: len(checks)]):
            return JSONResponse({"status": "unavailable"}, status_code=503)
        if not optional:
            return Readiness(status="ok")
        report = dict(zip(optional, results[len(checks) :], strict=True))
        # Every check by name, as the Node starters report them; the critical ones passed.
        states: dict[str, CheckState] = dict.fromkeys(checks, "ok")
        states |= {name: "ok" if passed else "unavailable" for name, passed in report.items()}
        return Readiness(status="ok" if all(report.values()) else "degraded", checks=states)

    # Registered on the app itself, not through include_router: FastAPI resolves included
    # routers with an extra matching layer per request, measurable on endpoints that load
    # balancers and orchestrators poll all the time.
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["health"])
    app.add_api_route(
        "/readyz",
        readyz,
        methods=["GET"],
        tags=["health"],
        response_model=Readiness,
        response_model_exclude_none=True,
        responses={503: {"model": Status, "description": "A dependency is unreachable"}},
    )
