"""Integration tests against a real RabbitMQ: they run only when AMQP_URL is set.

Each test gets a random AMQP_NAMESPACE, so runs never see each other's messages, and deletes
every exchange and queue of that namespace afterwards.
"""

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage

from app.contracts.generated import JOB_REQUESTED_V1_TYPE, TOPOLOGY
from app.messaging.settings import MessagingSettings
from app.messaging.topology import Names, declare_topology, qualified


async def eventually(
    condition: Callable[[], Awaitable[bool]], *, what: str, seconds: float = 30
) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture(scope="session")
def amqp_url() -> str:
    url = os.environ.get("AMQP_URL")
    if not url:
        pytest.skip("AMQP_URL is not set: the RabbitMQ integration tests are skipped")
    return url


@pytest.fixture
async def namespace(amqp_url: str) -> AsyncIterator[str]:
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for queue in TOPOLOGY["queues"]:
            await channel.queue_delete(qualified(name, queue["name"]))
        for exchange in TOPOLOGY["exchanges"]:
            await channel.exchange_delete(qualified(name, exchange["name"]))


def messaging_settings(amqp_url: str, namespace: str, **values: Any) -> MessagingSettings:
    return MessagingSettings(
        _env_file=None,
        environment="test",
        amqp_url=amqp_url,  # type: ignore[arg-type]
        amqp_namespace=namespace,
        worker_health_port=0,
        worker_processes=1,
        **values,
    )


@dataclass
class Client:
    """The gateway's side, as far as these tests need it: publish requests, read what comes out."""

    connection: AbstractConnection
    channel: AbstractChannel
    names: Names

    async def request(self, limit: int, *, correlation_id: str = "req-test") -> str:
        job_id = str(uuid.uuid4())
        body = {
            "schemaVersion": 1,
            "jobId": job_id,
            "kind": "count-primes",
            "input": {"limit": limit},
            "requestedAt": datetime.now(UTC).isoformat(),
        }
        exchange = await self.channel.get_exchange(self.names.jobs_exchange)
        await exchange.publish(
            aio_pika.Message(
                json.dumps(body).encode(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=job_id,
                type=JOB_REQUESTED_V1_TYPE,
                correlation_id=correlation_id,
            ),
            routing_key=JOB_REQUESTED_V1_TYPE,
        )
        return job_id

    async def next_message(self, queue_name: str) -> AbstractIncomingMessage:
        queue = await self.channel.get_queue(queue_name, ensure=False)
        received: list[AbstractIncomingMessage] = []

        async def got_one() -> bool:
            message = await queue.get(fail=False)
            if message is not None:
                await message.ack()
                received.append(message)
            return bool(received)

        await eventually(got_one, what=f"a message in {queue_name}")
        return received[0]

    async def ready_count(self, queue_name: str) -> int:
        declared = await self.channel.declare_queue(queue_name, passive=True)
        count = declared.declaration_result.message_count
        return 0 if count is None else count


@pytest.fixture
async def client(amqp_url: str, namespace: str) -> AsyncIterator[Client]:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()  # publisher confirms on by default
        # The gateway declares the same topology at its start; so do the tests.
        await declare_topology(channel, namespace)
        yield Client(connection, channel, Names.for_namespace(namespace))
