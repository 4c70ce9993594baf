"""Trace context through RabbitMQ, with the OpenTelemetry API only.

Without an SDK (the otel feature) every call here is a no-op and no header is added. With one, a
message's headers carry the W3C `traceparent` of the span that published it, so the worker's spans
join the gateway's HTTP request trace, and the job.finished it publishes carries it back.
"""

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import Span, SpanKind
from opentelemetry.util.types import AttributeValue

tracer = trace.get_tracer("app.messaging")


class _HeaderGetter(Getter[Mapping[str, object]]):
    def get(self, carrier: Mapping[str, object], key: str) -> list[str] | None:
        value = carrier.get(key)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        return [value] if isinstance(value, str) else None

    def keys(self, carrier: Mapping[str, object]) -> list[str]:
        return list(carrier)


_getter = _HeaderGetter()


def _attributes(
    operation: str, destination: str, message_id: str | None, correlation_id: str | None
) -> dict[str, AttributeValue]:
    # Messaging semantic conventions; the body is never recorded.
    attributes: dict[str, AttributeValue] = {
        "messaging.system": "rabbitmq",
        "messaging.operation.name": operation,
        "messaging.operation.type": "send" if operation == "publish" else "process",
        "messaging.destination.name": destination,
    }
    if message_id:
        attributes["messaging.message.id"] = message_id
    if correlation_id:
        attributes["messaging.message.conversation_id"] = correlation_id
    return attributes


@contextmanager
def publishing(
    exchange: str,
    routing_key: str,
    headers: MutableMapping[str, object],
    *,
    message_id: str | None,
    correlation_id: str | None,
) -> Iterator[Span]:
    """A PRODUCER span, child of what is active; its context goes into `headers`."""
    attributes = _attributes("publish", exchange, message_id, correlation_id)
    attributes["messaging.rabbitmq.destination.routing_key"] = routing_key
    with tracer.start_as_current_span(
        f"publish {exchange or routing_key}", kind=SpanKind.PRODUCER, attributes=attributes
    ) as span:
        propagate.inject(headers)
        yield span


@contextmanager
def processing(
    queue: str,
    headers: Mapping[str, object],
    *,
    message_id: str | None,
    correlation_id: str | None,
) -> Iterator[Span]:
    """A CONSUMER span continuing the trace the publisher put in the headers (a message without
    one starts a trace of its own)."""
    parent = propagate.extract(headers, getter=_getter)
    with tracer.start_as_current_span(
        f"process {queue}",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes=_attributes("process", queue, message_id, correlation_id),
    ) as span:
        yield span
