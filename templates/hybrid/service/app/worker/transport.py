"""The little the job handler needs from a message broker. app/worker/amqp.py implements it with
aio-pika; the unit tests implement it in memory, so every decision is tested without a broker."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

# AMQP header values the handler reads or writes (x-attempt is an integer).
HeaderValue = str | int | bool | None


@dataclass(frozen=True, kw_only=True)
class OutgoingMessage:
    """Always persistent and application/json (the contract for every message)."""

    exchange: str  # "" is the default exchange: the routing key is then a queue name
    routing_key: str
    body: bytes
    message_id: str | None = None
    type: str | None = None
    correlation_id: str | None = None
    headers: Mapping[str, HeaderValue] = field(default_factory=dict)
    # How long the message may wait in a queue before RabbitMQ expires (dead-letters) it.
    expiration: timedelta | None = None


class Delivery(Protocol):
    """A message received with manual acknowledgement: settle it exactly once."""

    @property
    def body(self) -> bytes: ...
    @property
    def headers(self) -> Mapping[str, object]: ...
    @property
    def message_id(self) -> str | None: ...
    @property
    def type(self) -> str | None: ...
    @property
    def correlation_id(self) -> str | None: ...

    async def ack(self) -> None: ...

    async def reject(self) -> None:
        """Reject without requeueing: the queue dead-letters it (jobs.requested -> jobs.dead)."""

    async def requeue(self) -> None:
        """Give it back to the queue for another delivery (the broker keeps its headers)."""


class Publisher(Protocol):
    async def publish(self, message: OutgoingMessage) -> None:
        """Return once the broker has confirmed the message; raise when it did not."""
