"""Application factory. `app` is what uvicorn and `fastapi dev` serve."""

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from app.api.routes import docs, health, users
from app.core.cache import NO_CACHE
from app.core.config import Settings, load_settings
from app.core.db import Database
from app.core.errors import http_error_handler, validation_error_handler
from app.core.features import Feature, merge_readiness_checks
from app.core.logging import configure_logging
from app.core.middleware import (
    BodyLimitMiddleware,
    RateLimitMiddleware,
    RequestContextMiddleware,
    security_headers,
)
from app.core.openapi import problem_openapi
from app.core.project import TITLE, VERSION
from app.features import FEATURES

logger = structlog.get_logger("app")

# Probes are polled every few seconds: no access log line for them, and never rate limited (an
# orchestrator that gets 429 from /readyz takes a healthy instance out of rotation).
PROBE_PATHS = ("/healthz", "/readyz")


def create_app(settings: Settings | None = None, features: Sequence[Feature] = FEATURES) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    for feature in features:
        if feature.process_setup is not None:
            feature.process_setup("api")
    readiness_checks, noncritical_checks = merge_readiness_checks(
        {"database": health.database_ready}, features
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = Database(settings.database_url, pool_size=settings.db_pool_size)
        try:
            # Features start in registry order and stop in reverse, all before the engine goes.
            async with AsyncExitStack() as hooks:
                for feature in features:
                    if feature.lifespan is not None:
                        await hooks.enter_async_context(feature.lifespan(app))
                logger.info("startup", environment=settings.environment)
                yield
        finally:
            # Runs after uvicorn has drained in-flight requests on SIGTERM.
            await app.state.db.dispose()
            logger.info("shutdown", engine="disposed")

    openapi_url = "/openapi.json" if settings.docs_enabled else None
    csp_overrides: dict[str, str] = {}
    docs_routes = None
    if openapi_url is not None:
        docs_routes, csp_overrides[docs.DOCS_PATH] = docs.docs_router(
            openapi_url=openapi_url, title=f"{TITLE} - API docs"
        )

    # First entry = outermost. CORS sits outside the rate limiter so a 429 still carries
    # CORS headers the browser needs to show it to the page.
    middleware = [
        Middleware(
            RequestContextMiddleware,
            headers=security_headers(hsts=settings.is_production),
            csp_overrides=csp_overrides,
            quiet_paths=PROBE_PATHS,
        )
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "PATCH", "DELETE"],
                allow_headers=["Content-Type", "X-Request-Id"],
                expose_headers=["X-Request-Id", "Retry-After", "Location"],
                max_age=600,
            )
        )
    if settings.rate_limit_enabled:
        middleware.append(
            Middleware(
                RateLimitMiddleware,
                limit=settings.rate_limit_requests,
                read_limit=settings.rate_limit_read_requests,
                window_seconds=settings.rate_limit_window_seconds,
                exempt_paths=PROBE_PATHS,
            )
        )

    middleware.append(Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes))

    app = FastAPI(
        title=TITLE,
        version=VERSION,
        lifespan=lifespan,
        openapi_url=openapi_url,
        docs_url=None,  # served by app.api.routes.docs with its own CSP
        redoc_url=None,
        middleware=middleware,
        exception_handlers={
            RequestValidationError: validation_error_handler,
            HTTPException: http_error_handler,
        },
    )
    app.state.settings = settings
    # What services read through (app/core/cache.py); a feature's lifespan may set a real one.
    app.state.cache = NO_CACHE
    health.add_probe_routes(app, readiness_checks, noncritical_checks)
    app.include_router(users.router)
    for feature in features:
        for router in feature.routers:
            app.include_router(router)
    if docs_routes is not None:
        app.include_router(docs_routes)
    app.openapi = problem_openapi(app, unlimited_paths=PROBE_PATHS)  # type: ignore[method-assign]
    for feature in features:
        if feature.configure_app is not None:
            feature.configure_app(app)
    return app


app = create_app()
