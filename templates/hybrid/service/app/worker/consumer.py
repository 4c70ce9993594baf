"""The worker's side of the broker: one robust connection, a channel that consumes
jobs.requested (manual acks, prefetch) and a confirm channel to publish on."""

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from app.messaging.connection import is_connected, robust_connection
from app.messaging.topology import REQUESTED_QUEUE, Names, declare_topology
from app.worker.amqp import AmqpDelivery, AmqpPublisher
from app.worker.transport import Delivery

logger = structlog.get_logger(__name__)

# Cancelling the consumer and closing the connection are round trips to the broker. While it is
# down, aio-pika's robust objects would wait for it to come back: bound them, so a SIGTERM during
# an outage still ends within the grace period (the broker redelivers whatever was not acked).
CANCEL_TIMEOUT_SECONDS = 5.0
CLOSE_TIMEOUT_SECONDS = 5.0

Handle = Callable[[Delivery], Awaitable[object]]


class Consumer:
    def __init__(self, url: str, *, namespace: str, prefetch: int) -> None:
        self.connection = robust_connection(url, role="worker")
        self.names = Names.for_namespace(namespace)
        self._namespace = namespace
        self._prefetch = prefetch
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def connect(self) -> AmqpPublisher:
        """Wait for the broker, open both channels, declare the topology."""
        await self.connection.connect()
        # Separate channels: when RabbitMQ throttles publishers (flow control), deliveries
        # and acks on the consuming channel keep moving.
        publish_channel = await self.connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        self._channel = await self.connection.channel(publisher_confirms=False)
        # At most this many unacknowledged messages at a time; the rest wait in the queue
        # for other workers (competing consumers).
        await self._channel.set_qos(prefetch_count=self._prefetch)
        # Declared on the consuming channel: after a reconnect the robust channel declares
        # them again before it resumes consuming.
        queues = await declare_topology(self._channel, self._namespace)
        self._queue = queues[REQUESTED_QUEUE]
        logger.info("broker_connected")
        return AmqpPublisher(publish_channel)

    async def consume(self, handle: Handle) -> None:
        if self._queue is None:
            raise RuntimeError("connect() first")

        async def on_message(message: AbstractIncomingMessage) -> None:
            self._in_flight += 1
            self._idle.clear()
            try:
                await handle(AmqpDelivery(message))
            finally:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._idle.set()

        self._consumer_tag = await self._queue.consume(on_message)

    @property
    def is_consuming(self) -> bool:
        return (
            is_connected(self.connection)
            and self._consumer_tag is not None
            and self._channel is not None
            and not self._channel.is_closed
        )

    async def stop(
        self, grace_seconds: float, *, cancelled: Callable[[], None] | None = None
    ) -> bool:
        """Stop taking messages, let the ones in flight finish (and be acked), then close.
        `cancelled` runs once no more deliveries come. Returns whether every message in flight
        was settled within the grace period."""
        if self._queue is not None and self._consumer_tag is not None:
            tag, self._consumer_tag = self._consumer_tag, None
            if is_connected(self.connection):
                try:
                    async with asyncio.timeout(CANCEL_TIMEOUT_SECONDS):
                        await self._queue.cancel(tag)
                except Exception as exc:  # broker gone: nothing more will be delivered anyway
                    logger.warning("consumer_cancel_failed", error=type(exc).__name__)
        # Deliveries that arrived just before the cancel have tasks that have not started yet:
        # let them start (and count themselves in flight) before waiting for none to be left.
        await asyncio.sleep(0)
        if cancelled is not None:
            cancelled()
        drained = True
        try:
            async with asyncio.timeout(grace_seconds):
                await self._idle.wait()
        except TimeoutError:
            # Left unacknowledged: RabbitMQ delivers them again (to another worker, or to this
            # one after a restart), and the job_results row makes that safe.
            logger.warning("shutdown_grace_expired", in_flight=self._in_flight)
            drained = False
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
                await self.connection.close()
        except TimeoutError:
            logger.warning("broker_close_timed_out")
        return drained
