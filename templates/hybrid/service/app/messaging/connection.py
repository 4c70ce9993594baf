"""Robust (self-reconnecting) RabbitMQ connections that also wait for a broker not up yet."""

import asyncio
import contextlib

import structlog
from aio_pika import RobustConnection
from aio_pika.connection import make_url

from app.core.project import TITLE

logger = structlog.get_logger(__name__)

# Between attempts, at start-up and after a lost connection. Short: a broker restart should cost
# seconds of processing, not minutes.
RECONNECT_INTERVAL_SECONDS = 2.0


def robust_connection(url: str, *, role: str) -> RobustConnection:
    """Not connected yet: call `await connection.connect()` (it waits, retrying, until the broker
    answers) and `await connection.close()` when done, also when connect() was cancelled."""
    return RobustConnection(
        make_url(url),
        # fail_fast=False: the first attempt failing is not fatal either, so start order does not
        # matter (compose, `npm run dev`); readiness reports the broker as down meanwhile.
        fail_fast=False,
        reconnect_interval=RECONNECT_INTERVAL_SECONDS,
        # Shown in the RabbitMQ management UI, next to the gateway's connections.
        client_properties={"connection_name": f"{TITLE} {role}"},
    )


def is_connected(connection: RobustConnection | None) -> bool:
    return connection is not None and connection.connected.is_set() and not connection.is_closed


class BrokerLink:
    """The API's connection: opened in the background at start-up, so the API serves (and
    answers /readyz with 503) while the broker is unreachable, and closed at shutdown."""

    def __init__(self, url: str, *, role: str) -> None:
        self.connection = robust_connection(url, role=role)
        self._connecting: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._connecting = asyncio.create_task(self._connect())

    async def _connect(self) -> None:
        await self.connection.connect()
        logger.info("broker_connected")

    @property
    def is_connected(self) -> bool:
        return is_connected(self.connection)

    async def close(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        await self.connection.close()
