"""Exchange and queue names with the AMQP_NAMESPACE prefix, and declaring contracts/topology.json.

The gateway declares the same topology with the same arguments; a difference in arguments makes
RabbitMQ refuse the second declaration (PRECONDITION_FAILED), so both read the generated TOPOLOGY.
"""

from dataclasses import dataclass

from aio_pika import ExchangeType
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue, FieldValue

from app.contracts.generated import TOPOLOGY, TopologyQueue

# The names this code relies on; tests/messaging/test_topology.py checks they are in TOPOLOGY.
JOBS_EXCHANGE = "jobs"
REQUESTED_QUEUE = "jobs.requested"
RETRY_QUEUE = "jobs.retry"
FINISHED_QUEUE = "jobs.finished"
DEAD_QUEUE = "jobs.dead"
# Queue arguments whose value is an exchange name, so it carries the prefix too.
EXCHANGE_NAME_ARGUMENTS = frozenset({"x-dead-letter-exchange"})


def qualified(namespace: str, name: str) -> str:
    return f"{namespace}.{name}" if namespace else name


def queue_arguments(namespace: str, queue: TopologyQueue) -> dict[str, FieldValue]:
    return {
        key: qualified(namespace, value)
        if key in EXCHANGE_NAME_ARGUMENTS and isinstance(value, str)
        else value
        for key, value in queue["arguments"].items()
    }


@dataclass(frozen=True)
class Names:
    """The namespaced names the worker publishes to and consumes from."""

    jobs_exchange: str
    requested_queue: str
    retry_queue: str
    finished_queue: str
    dead_queue: str

    @classmethod
    def for_namespace(cls, namespace: str) -> "Names":
        return cls(
            jobs_exchange=qualified(namespace, JOBS_EXCHANGE),
            requested_queue=qualified(namespace, REQUESTED_QUEUE),
            retry_queue=qualified(namespace, RETRY_QUEUE),
            finished_queue=qualified(namespace, FINISHED_QUEUE),
            dead_queue=qualified(namespace, DEAD_QUEUE),
        )


async def declare_topology(channel: AbstractChannel, namespace: str) -> dict[str, AbstractQueue]:
    """Declare every exchange, queue and binding (idempotent). Returns the queues by their
    un-prefixed name. On a robust channel they are declared again after a reconnect."""
    exchanges: dict[str, AbstractExchange] = {}
    for exchange in TOPOLOGY["exchanges"]:
        exchanges[exchange["name"]] = await channel.declare_exchange(
            qualified(namespace, exchange["name"]),
            ExchangeType(exchange["type"]),
            durable=exchange["durable"],
        )
    queues: dict[str, AbstractQueue] = {}
    for queue in TOPOLOGY["queues"]:
        queues[queue["name"]] = await channel.declare_queue(
            qualified(namespace, queue["name"]),
            durable=queue["durable"],
            arguments=queue_arguments(namespace, queue),
        )
    for binding in TOPOLOGY["bindings"]:
        await queues[binding["queue"]].bind(
            exchanges[binding["exchange"]], routing_key=binding["routing_key"]
        )
    return queues
