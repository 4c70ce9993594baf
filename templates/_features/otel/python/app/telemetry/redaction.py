"""Attributes no span leaves the process with: what may carry personal data (query strings hold
e-mail addresses and tokens; client addresses and user agents identify people). The HTTP
instrumentations record them; the exporter drops them, so no instrumentation can leak them."""

from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

REDACTED_ATTRIBUTES = frozenset(
    {
        "url.query",
        "url.full",
        "client.address",
        "client.port",
        "network.peer.address",
        "network.peer.port",
        "user_agent.original",
        # The older HTTP conventions, should an instrumentation still emit them.
        "http.target",
        "http.url",
        "http.client_ip",
        "http.user_agent",
        "net.peer.ip",
        "net.peer.port",
    }
)


def _redacted(span: ReadableSpan) -> ReadableSpan:
    attributes = span.attributes or {}
    if REDACTED_ATTRIBUTES.isdisjoint(attributes):
        return span
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes={k: v for k, v in attributes.items() if k not in REDACTED_ATTRIBUTES},
        events=span.events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingSpanExporter(SpanExporter):
    """Wraps the real exporter; every span passes through here on its way out."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([_redacted(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.inner.force_flush(timeout_millis)
