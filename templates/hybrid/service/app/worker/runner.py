"""The worker process's life: probes up, connect and consume until told to stop, then shut down
in order (stop consuming, finish in-flight jobs, close the broker, the pool, the database)."""

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

import structlog

from app.core.config import Settings
from app.core.db import Database
from app.messaging.settings import MessagingSettings
from app.migration_state import check_schema
from app.worker.compute import ProcessPoolWork
from app.worker.consumer import Consumer
from app.worker.handler import JobHandler, Work
from app.worker.health import HealthServer
from app.worker.store import DatabaseResultStore

logger = structlog.get_logger(__name__)

# In-flight jobs get this long to finish after SIGTERM; below docker compose's
# stop_grace_period (60 s) so the worker still closes cleanly before it would be killed.
SHUTDOWN_GRACE_SECONDS = 45.0
READINESS_TIMEOUT_SECONDS = 2.0


async def _unless_stopped(coro: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run coro until it finishes (True) or stop is set first (False; coro is cancelled)."""
    task = asyncio.create_task(coro)
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    for pending in (stopped, task):
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pending
    if task.cancelled():
        return False
    task.result()  # re-raises what start-up failed with
    return True


class Worker:
    def __init__(
        self, settings: Settings, messaging: MessagingSettings, *, work: Work | None = None
    ) -> None:
        self._messaging = messaging
        self.db = Database(settings.database_url, pool_size=settings.db_pool_size)
        # Tests pass their own work; the process pool is the real one.
        self._pool: ProcessPoolWork | None = None
        if work is None:
            work = self._pool = ProcessPoolWork(messaging.process_count)
        self._work = work
        self.consumer = Consumer(
            messaging.amqp_url.get_secret_value(),
            namespace=messaging.amqp_namespace,
            prefetch=messaging.worker_prefetch,
        )
        self.health = HealthServer(settings.host, messaging.worker_health_port, self.is_ready)
        self._handler: JobHandler | None = None

    async def is_ready(self) -> bool:
        """Broker connected and consuming, database reachable and migrated to head."""
        if not self.consumer.is_consuming:
            return False
        try:
            async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
                await check_schema(self.db.engine)
        except Exception as exc:
            logger.warning("readiness_check_failed", check="database", error=type(exc).__name__)
            return False
        return True

    async def _start(self) -> None:
        if self._pool is not None:
            await self._pool.warm_up()
        publisher = await self.consumer.connect()
        handler = self._handler = JobHandler(
            publisher=publisher,
            store=DatabaseResultStore(self.db),
            work=self._work,
            names=self.consumer.names,
            max_attempts=self._messaging.worker_max_attempts,
            retry_delay_ms=self._messaging.retry_delay_ms,
        )
        await self.consumer.consume(handler.handle)

    async def run(self, stop: asyncio.Event) -> None:
        """Until stop is set (SIGTERM/SIGINT in `python -m app.worker`)."""
        await self.health.start()
        m = self._messaging
        logger.info(
            "worker_starting",
            namespace=m.amqp_namespace,
            prefetch=m.worker_prefetch,
            processes=m.process_count,
            health_port=self.health.port,
        )
        try:
            if await _unless_stopped(self._start(), stop):
                logger.info("worker_consuming", queue=self.consumer.names.requested_queue)
                await stop.wait()
            logger.info("worker_stopping")
        finally:
            # Once consuming has stopped, messages held after a database error go back at once
            # (to another worker), instead of waiting out their delay.
            release = None if self._handler is None else self._handler.stop
            drained = await self.consumer.stop(SHUTDOWN_GRACE_SECONDS, cancelled=release)
            if self._pool is not None:
                # Blocking (it joins the pool processes): off the event loop. Jobs still computing
                # after the grace period are unacknowledged and will be delivered again: their
                # processes are killed rather than waited for.
                await asyncio.to_thread(self._pool.shutdown, kill_running=not drained)
            await self.db.dispose()
            await self.health.close()
            logger.info("worker_stopped")
