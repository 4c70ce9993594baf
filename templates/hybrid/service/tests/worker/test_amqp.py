"""The aio-pika side of the transport: how each decision maps onto AMQP."""

from datetime import timedelta
from typing import Any, cast

from aio_pika import DeliveryMode
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from app.worker.amqp import PUBLISH_TIMEOUT_SECONDS, AmqpDelivery, AmqpPublisher
from app.worker.transport import OutgoingMessage


class FakeIncoming:
    def __init__(self) -> None:
        self.body = b"{}"
        self.headers = {"x-attempt": 2}
        self.message_id = "m-1"
        self.type = "job.requested.v1"
        self.correlation_id = "req-1"
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def ack(self, **kwargs: Any) -> None:
        self.calls.append(("ack", kwargs))

    async def reject(self, **kwargs: Any) -> None:
        self.calls.append(("reject", kwargs))

    async def nack(self, **kwargs: Any) -> None:
        self.calls.append(("nack", kwargs))


async def test_delivery_settles_as_the_design_says() -> None:
    incoming = FakeIncoming()
    delivery = AmqpDelivery(cast(AbstractIncomingMessage, incoming))
    assert (delivery.body, delivery.headers, delivery.message_id) == (
        b"{}",
        {"x-attempt": 2},
        "m-1",
    )
    assert (delivery.type, delivery.correlation_id) == ("job.requested.v1", "req-1")
    await delivery.ack()
    await delivery.reject()
    await delivery.requeue()
    # reject never requeues (the queue dead-letters it); requeue gives it back to the queue
    assert incoming.calls == [
        ("ack", {}),
        ("reject", {"requeue": False}),
        ("nack", {"requeue": True}),
    ]


class FakeExchange:
    def __init__(self, name: str, sent: list[tuple[str, Any, str, float]]) -> None:
        self.name, self.sent = name, sent

    async def publish(self, message: Any, *, routing_key: str, **kwargs: float) -> None:
        self.sent.append((self.name, message, routing_key, kwargs["timeout"]))


class FakeChannel:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any, str, float]] = []
        self.default_exchange = FakeExchange("", self.sent)
        self.looked_up: list[tuple[str, bool]] = []

    async def get_exchange(self, name: str, *, ensure: bool) -> FakeExchange:
        self.looked_up.append((name, ensure))
        return FakeExchange(name, self.sent)


async def test_publisher_sends_persistent_json_with_the_properties() -> None:
    channel = FakeChannel()
    publisher = AmqpPublisher(cast(AbstractChannel, channel))
    finished = OutgoingMessage(
        exchange="ns.jobs",
        routing_key="job.finished.v1",
        body=b'{"a":1}',
        message_id="job-1",
        type="job.finished.v1",
        correlation_id="req-1",
    )
    await publisher.publish(finished)
    await publisher.publish(finished)
    retry = OutgoingMessage(
        exchange="",
        routing_key="ns.jobs.retry",
        body=b"{}",
        headers={"x-attempt": 2},
        expiration=timedelta(milliseconds=1500),
    )
    await publisher.publish(retry)

    assert channel.looked_up == [("ns.jobs", False)]  # a handle, looked up once, not declared
    [first, _, third] = channel.sent
    exchange, message, routing_key, timeout = first
    assert (exchange, routing_key, timeout) == (
        "ns.jobs",
        "job.finished.v1",
        PUBLISH_TIMEOUT_SECONDS,
    )
    assert message.body == b'{"a":1}'
    assert message.delivery_mode == DeliveryMode.PERSISTENT
    assert message.content_type == "application/json"
    assert (message.message_id, message.type, message.correlation_id) == (
        "job-1",
        "job.finished.v1",
        "req-1",
    )
    exchange, message, routing_key, _ = third
    assert (exchange, routing_key) == ("", "ns.jobs.retry")
    # With a tracing SDK (the otel feature) the trace context is added beside them.
    traced = {"traceparent", "tracestate"}
    assert {k: v for k, v in message.headers.items() if k not in traced} == {"x-attempt": 2}
    assert message.properties.expiration == "1500"  # milliseconds, as RabbitMQ reads it
