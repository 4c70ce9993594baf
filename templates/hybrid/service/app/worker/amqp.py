"""The handler's transport (app/worker/transport.py) implemented with aio-pika."""

from collections.abc import Mapping

from aio_pika import DeliveryMode, Message
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractIncomingMessage

from app.messaging.tracing import publishing
from app.worker.transport import OutgoingMessage

# A confirm that takes longer than this means the broker is in trouble (or gone): fail the
# publish, so the message is requeued instead of holding its slot forever.
PUBLISH_TIMEOUT_SECONDS = 30.0


class AmqpDelivery:
    def __init__(self, message: AbstractIncomingMessage) -> None:
        self._message = message

    @property
    def body(self) -> bytes:
        return self._message.body

    @property
    def headers(self) -> Mapping[str, object]:
        return self._message.headers

    @property
    def message_id(self) -> str | None:
        return self._message.message_id

    @property
    def type(self) -> str | None:
        return self._message.type

    @property
    def correlation_id(self) -> str | None:
        return self._message.correlation_id

    async def ack(self) -> None:
        await self._message.ack()

    async def reject(self) -> None:
        await self._message.reject(requeue=False)

    async def requeue(self) -> None:
        await self._message.nack(requeue=True)


class AmqpPublisher:
    """Publishes on a channel opened with publisher_confirms=True and on_return_raises=True:
    publish() returns after the broker's ack and raises on a nack or an unroutable message."""

    def __init__(self, channel: AbstractChannel) -> None:
        self._channel = channel
        self._exchanges: dict[str, AbstractExchange] = {}

    async def _exchange(self, name: str) -> AbstractExchange:
        if name == "":
            return self._channel.default_exchange
        if name not in self._exchanges:
            # ensure=False: a handle only; the topology was declared at start-up.
            self._exchanges[name] = await self._channel.get_exchange(name, ensure=False)
        return self._exchanges[name]

    async def publish(self, message: OutgoingMessage) -> None:
        exchange = await self._exchange(message.exchange)
        headers: dict[str, object] = dict(message.headers)
        with publishing(
            message.exchange,
            message.routing_key,
            headers,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
        ):
            await self._publish(exchange, message, headers)

    async def _publish(
        self, exchange: AbstractExchange, message: OutgoingMessage, headers: dict[str, object]
    ) -> None:
        await exchange.publish(
            Message(
                message.body,
                headers=headers,  # type: ignore[arg-type]
                content_type="application/json",
                delivery_mode=DeliveryMode.PERSISTENT,
                message_id=message.message_id,
                type=message.type,
                correlation_id=message.correlation_id,
                expiration=message.expiration,
            ),
            routing_key=message.routing_key,
            timeout=PUBLISH_TIMEOUT_SECONDS,
        )
