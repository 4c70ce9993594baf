"""The worker's side of the broker: one robust connection, a channel that consumes
jobs.requested (manual acks, prefetch) and a confirm channel to publish on."""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable
from enum import StrEnum

import structlog
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from opentelemetry import metrics

from app.core.logging import request_id_var
from app.messaging.connection import is_connected, robust_connection
from app.messaging.topology import REQUESTED_QUEUE, Names, declare_topology
from app.messaging.tracing import processing
from app.worker.amqp import AmqpDelivery, AmqpPublisher
from app.worker.transport import Delivery

logger = structlog.get_logger(__name__)

# Recorded with the OpenTelemetry API: without an SDK (the otel feature) these are no-ops; with it
# they are served on the worker's Prometheus endpoint.
_meter = metrics.get_meter("app.worker")
_in_flight = _meter.create_up_down_counter(
    "jobs.in_flight", unit="{job}", description="Messages being handled by this worker"
)
_duration = _meter.create_histogram(
    "job.duration",
    unit="s",
    description="Time from delivery to settlement, by outcome",
    explicit_bucket_boundaries_advisory=[0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
)
# Messages ready in the queue, as last seen by the worker (polled: a broker round trip).
_queue_depth: dict[str, int] = {}
QUEUE_DEPTH_POLL_SECONDS = 15.0


def _observe_depth(_options: metrics.CallbackOptions) -> Iterable[metrics.Observation]:
    return [
        metrics.Observation(depth, {"messaging.destination.name": queue})
        for queue, depth in _queue_depth.items()
    ]


_meter.create_observable_gauge(
    "messaging.queue.depth",
    callbacks=[_observe_depth],
    unit="{message}",
    description="Messages ready in the queue",
)

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
        self._depth_poll: asyncio.Task[None] | None = None

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

        queue_name = self._queue.name

        async def on_message(message: AbstractIncomingMessage) -> None:
            self._in_flight += 1
            self._idle.clear()
            _in_flight.add(1)
            started = time.perf_counter()
            outcome = "error"
            # The request that submitted the job (the gateway's X-Request-Id) on every log line.
            token = request_id_var.set(message.correlation_id)
            try:
                with processing(
                    queue_name,
                    message.headers,
                    message_id=message.message_id,
                    correlation_id=message.correlation_id,
                ) as span:
                    result = await handle(AmqpDelivery(message))
                    if isinstance(result, StrEnum):
                        outcome = str(result)
                        span.set_attribute("app.message.outcome", outcome)
            finally:
                request_id_var.reset(token)
                _in_flight.add(-1)
                _duration.record(time.perf_counter() - started, {"job.outcome": outcome})
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._idle.set()

        self._consumer_tag = await self._queue.consume(on_message)
        self._depth_poll = asyncio.create_task(self._poll_depth(self._queue))

    async def _poll_depth(self, queue: AbstractQueue) -> None:
        while True:
            # Re-declaring with the same arguments is idempotent and answers the message count.
            with contextlib.suppress(Exception):  # broker away: keep the last value
                async with asyncio.timeout(5):
                    declared = await queue.declare()
                if declared.message_count is not None:
                    _queue_depth[queue.name] = declared.message_count
            await asyncio.sleep(QUEUE_DEPTH_POLL_SECONDS)

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
        if self._depth_poll is not None:
            self._depth_poll.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._depth_poll
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
