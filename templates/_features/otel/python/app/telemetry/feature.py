"""OpenTelemetry for the API (and for any other process of this part that runs the features'
process_setup, such as a worker): traces over OTLP, RED metrics on a Prometheus endpoint of their
own, the active trace's ids in every log line (app/core/logging.py)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from app.core.features import Feature
from app.telemetry.sdk import MetricsServer, start_telemetry
from app.telemetry.settings import OtelSettings

# Polled every few seconds: no trace per poll. Regular expressions searched in the full URL.
UNTRACED_URLS = r"/healthz(\?|$),/readyz(\?|$)"


def setup_process(role: str) -> None:
    start_telemetry(role)
    # A process without the API's lifespan (a worker) serves /metrics for as long as it runs
    # (a daemon thread); the API serves it from its lifespan, below.
    if role != "api" and role not in _process_metrics:
        _process_metrics[role] = MetricsServer.start(OtelSettings(), role)


_process_metrics: dict[str, MetricsServer | None] = {}


def instrument_app(app: FastAPI) -> None:
    # A SERVER span per request named by its route template ("GET /users/{user_id}"),
    # continuing the caller's traceparent, and http.server.request.duration by route.
    # No bodies, no headers; what may identify a person is dropped on export
    # (app/telemetry/redaction.py). exclude_spans: no span per ASGI send/receive message.
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls=UNTRACED_URLS, exclude_spans=["receive", "send"]
    )


@asynccontextmanager
async def metrics_lifespan(app: FastAPI) -> AsyncIterator[None]:
    server = MetricsServer.start(OtelSettings(), "api")
    app.state.metrics_port = None if server is None else server.port
    try:
        yield
    finally:
        if server is not None:
            await asyncio.to_thread(server.close)


TELEMETRY = Feature(
    name="telemetry",
    lifespan=metrics_lifespan,
    process_setup=setup_process,
    configure_app=instrument_app,
    settings=[OtelSettings],
)
