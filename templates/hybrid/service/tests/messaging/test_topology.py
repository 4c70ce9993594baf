"""Names and arguments as declared; the declaration itself against RabbitMQ is in
tests/integration."""

from typing import Any, cast

from aio_pika import ExchangeType
from aio_pika.abc import AbstractChannel

from app.contracts.generated import TOPOLOGY
from app.messaging import topology
from app.messaging.topology import Names, declare_topology, qualified


def test_the_names_the_code_uses_exist_in_the_contract() -> None:
    exchanges = {e["name"] for e in TOPOLOGY["exchanges"]}
    queues = {q["name"] for q in TOPOLOGY["queues"]}
    assert topology.JOBS_EXCHANGE in exchanges
    assert {
        topology.REQUESTED_QUEUE,
        topology.RETRY_QUEUE,
        topology.FINISHED_QUEUE,
        topology.DEAD_QUEUE,
    } <= queues


def test_namespace_prefixes_names() -> None:
    assert qualified("", "jobs") == "jobs"
    assert qualified("ci", "jobs.retry") == "ci.jobs.retry"
    names = Names.for_namespace("ci")
    assert (names.jobs_exchange, names.requested_queue, names.retry_queue) == (
        "ci.jobs",
        "ci.jobs.requested",
        "ci.jobs.retry",
    )
    assert (names.finished_queue, names.dead_queue) == ("ci.jobs.finished", "ci.jobs.dead")


class RecordingChannel:
    """Records declarations the way aio-pika's channel receives them."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    async def declare_exchange(self, name: str, kind: ExchangeType, *, durable: bool) -> str:
        self.calls.append(("exchange", name, kind, durable))
        return name

    async def declare_queue(self, name: str, *, durable: bool, arguments: dict[str, Any]) -> Any:
        self.calls.append(("queue", name, durable, arguments))
        channel = self

        class Queue:
            async def bind(self, exchange: str, *, routing_key: str) -> None:
                channel.calls.append(("bind", name, exchange, routing_key))

        return Queue()


async def test_declares_the_contract_with_namespaced_names_and_arguments() -> None:
    channel = RecordingChannel()
    queues = await declare_topology(cast(AbstractChannel, channel), "ns")
    assert set(queues) == {"jobs.requested", "jobs.retry", "jobs.finished", "jobs.dead"}
    assert channel.calls == [
        ("exchange", "ns.jobs", ExchangeType.DIRECT, True),
        ("exchange", "ns.jobs.dlx", ExchangeType.FANOUT, True),
        ("queue", "ns.jobs.requested", True, {"x-dead-letter-exchange": "ns.jobs.dlx"}),
        (
            "queue",
            "ns.jobs.retry",
            True,
            # the exchange gets the prefix; the routing key is a message type and does not
            {"x-dead-letter-exchange": "ns.jobs", "x-dead-letter-routing-key": "job.requested.v1"},
        ),
        ("queue", "ns.jobs.finished", True, {"x-dead-letter-exchange": "ns.jobs.dlx"}),
        ("queue", "ns.jobs.dead", True, {}),
        ("bind", "ns.jobs.requested", "ns.jobs", "job.requested.v1"),
        ("bind", "ns.jobs.finished", "ns.jobs", "job.finished.v1"),
        ("bind", "ns.jobs.dead", "ns.jobs.dlx", ""),
    ]
