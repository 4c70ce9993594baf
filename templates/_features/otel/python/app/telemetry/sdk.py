"""The OpenTelemetry SDK, started once per process (the API server, the worker).

Spans leave in batches through a bounded queue (OTEL_BSP_MAX_QUEUE_SIZE, 2048 by default): with
the backend down, requests still succeed and spans beyond it are dropped instead of memory
growing. What is queued is flushed when the process exits (after a graceful SIGTERM too), for at
most SHUTDOWN_TIMEOUT_SECONDS.
"""

import atexit
import os
import threading
from dataclasses import dataclass

import structlog
from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    TraceIdRatioBased,
)
from prometheus_client import REGISTRY, start_http_server

from app.core.project import VERSION
from app.telemetry.redaction import RedactingSpanExporter
from app.telemetry.settings import OtelSettings

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Telemetry:
    role: str
    tracing: bool
    metrics: bool


# Longest exit waits for the last spans to leave; a backend that has hung must not hold up a
# SIGTERM past the orchestrator's grace period (the SDK's own exit hook waits up to 30 s).
SHUTDOWN_TIMEOUT_SECONDS = 5.0

_lock = threading.Lock()
# What this process started: set once, by the first call of start_telemetry.
_started: dict[str, Telemetry] = {}


def sampler(settings: OtelSettings) -> Sampler:
    root: Sampler
    name = settings.otel_traces_sampler.removeprefix("parentbased_")
    if name == "always_on":
        root = ALWAYS_ON
    elif name == "always_off":
        root = ALWAYS_OFF
    else:
        root = TraceIdRatioBased(settings.otel_traces_sampler_arg)
    return ParentBased(root) if settings.otel_traces_sampler.startswith("parentbased_") else root


def start_telemetry(
    role: str, settings: OtelSettings | None = None, *, span_exporter: SpanExporter | None = None
) -> Telemetry:
    """Start tracing (when an OTLP endpoint is set, or `span_exporter` is given) and metrics
    once for this process; later calls return what the first one started."""
    with _lock:
        if "process" in _started:
            return _started["process"]
        settings = settings or OtelSettings()
        # The stable HTTP semantic conventions (http.route, http.server.request.duration in
        # seconds, as the Node part reports) rather than the old ones, which label metrics by raw
        # path. Read by the instrumentations when they first instrument, below and in the app.
        os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
        resource = Resource.create(
            {SERVICE_NAME: settings.service_name(role), SERVICE_VERSION: VERSION}
        )
        endpoint = settings.traces_endpoint
        tracing = span_exporter is not None or endpoint is not None
        if tracing:
            provider = TracerProvider(
                resource=resource, sampler=sampler(settings), shutdown_on_exit=False
            )
            atexit.register(_shutdown_within, provider, SHUTDOWN_TIMEOUT_SECONDS)
            exporter = span_exporter or OTLPSpanExporter(endpoint=endpoint)
            provider.add_span_processor(BatchSpanProcessor(RedactingSpanExporter(exporter)))
            trace.set_tracer_provider(provider)
        if settings.metrics_enabled:
            # The reader adds the SDK's metrics to prometheus_client's default registry, which
            # MetricsServer serves.
            metrics.set_meter_provider(
                MeterProvider(resource=resource, metric_readers=[PrometheusMetricReader()])
            )
        # Every engine created from now on (app/core/db.py) reports its queries; outgoing HTTPX
        # requests get CLIENT spans and carry the trace on (traceparent).
        # skip_dep_check: the instrumentation declares SQLAlchemy < 2.1 while the starter is on
        # 2.1, whose event API it uses unchanged (tests/telemetry proves the query spans).
        SQLAlchemyInstrumentor().instrument(skip_dep_check=True)
        HTTPXClientInstrumentor().instrument()
        telemetry = Telemetry(role=role, tracing=tracing, metrics=settings.metrics_enabled)
        _started["process"] = telemetry
        logger.info(
            "telemetry_started",
            service=settings.service_name(role),
            tracing="on" if tracing else "off (set OTEL_EXPORTER_OTLP_ENDPOINT)",
        )
        return telemetry


def _shutdown_within(provider: TracerProvider, seconds: float) -> None:
    """Flush and stop the provider, giving up after `seconds` (the exporter thread is a daemon)."""
    stopping = threading.Thread(target=provider.shutdown, name="otel-shutdown", daemon=True)
    stopping.start()
    stopping.join(seconds)


class MetricsServer:
    """GET /metrics for Prometheus on a listener of its own (a thread), not on the API's port: not
    public with the API, not rate limited, not in the access log."""

    def __init__(self, host: str, port: int) -> None:
        self._server, self._thread = start_http_server(port, addr=host, registry=REGISTRY)
        # The one asked for, or the free one given for 0.
        self.port: int = self._server.server_port

    @classmethod
    def start(cls, settings: OtelSettings, role: str) -> "MetricsServer | None":
        if not settings.metrics_enabled:
            return None
        host = settings.otel_exporter_prometheus_host
        server = cls(host, settings.metrics_port(role))
        logger.info("metrics_serving", role=role, host=host, port=server.port)
        return server

    def close(self) -> None:
        """Blocking (up to the server's half-second poll): call it off the event loop."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
