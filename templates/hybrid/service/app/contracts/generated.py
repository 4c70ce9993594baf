# Generated from contracts/schemas by contracts/generate.mjs — do not edit;
# run `npm run contracts:generate`.
from typing import Final, Literal, TypedDict
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# What a job computes; each kind has its own input and result shape.
JobKind = Literal["count-primes"]


# Where a job is: queued until the worker reports it succeeded or failed.
JobStatus = Literal["queued", "succeeded", "failed"]


class CountPrimesInput(BaseModel):
    """The input of a count-primes job."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    # Count the primes up to and including this number.
    limit: int = Field(ge=2, le=50000000, strict=True)


class CountPrimesResult(BaseModel):
    """The result of a count-primes job."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    # How many primes there are up to and including the limit.
    count: int = Field(ge=0, strict=True)
    # The largest of those primes.
    largest: int = Field(ge=2, strict=True)


class CreateJobRequest(BaseModel):
    """The body of POST /jobs."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    kind: JobKind
    input: CountPrimesInput


class Job(BaseModel):
    """A job as the API shows it: the body of GET /jobs/{id} and the 202 body of POST /jobs."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    id: UUID
    kind: JobKind
    input: CountPrimesInput
    status: JobStatus
    # Set when the job succeeded.
    result: CountPrimesResult | None
    # Set when the job failed.
    error: str | None = Field(max_length=1000)
    # How many times the worker ran the job.
    attempts: int = Field(ge=0, strict=True)
    created_at: AwareDatetime = Field(alias="createdAt")
    updated_at: AwareDatetime = Field(alias="updatedAt")


class JobFinishedV1(BaseModel):
    """Worker -> gateway: a job's outcome. Routing key and AMQP `type`: job.finished.v1."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    schema_version: Literal[1] = Field(alias="schemaVersion")
    job_id: UUID = Field(alias="jobId")
    status: Literal["succeeded", "failed"]
    # Set when status is succeeded.
    result: CountPrimesResult | None
    # Set when status is failed.
    error: str | None = Field(max_length=1000)
    # How many times the worker ran the job, this run included.
    attempts: int = Field(ge=1, strict=True)
    finished_at: AwareDatetime = Field(alias="finishedAt")


class JobRequestedV1(BaseModel):
    """Gateway -> worker: run this job. Routing key and AMQP `type`: job.requested.v1."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    schema_version: Literal[1] = Field(alias="schemaVersion")
    job_id: UUID = Field(alias="jobId")
    kind: JobKind
    input: CountPrimesInput
    requested_at: AwareDatetime = Field(alias="requestedAt")


# Message types: the AMQP `type` property and the routing key of each message.
JOB_FINISHED_V1_TYPE: Final = "job.finished.v1"
JOB_REQUESTED_V1_TYPE: Final = "job.requested.v1"


class TopologyExchange(TypedDict):
    name: str
    type: Literal["direct", "fanout", "topic", "headers"]
    durable: bool


class TopologyQueue(TypedDict):
    name: str
    durable: bool
    arguments: dict[str, str | int]


class TopologyBinding(TypedDict):
    exchange: str
    queue: str
    routing_key: str


class Topology(TypedDict):
    exchanges: tuple[TopologyExchange, ...]
    queues: tuple[TopologyQueue, ...]
    bindings: tuple[TopologyBinding, ...]


# contracts/topology.json. Names are without the AMQP_NAMESPACE prefix: add it to every exchange and
# queue name, and to every x-dead-letter-exchange value, when declaring.
TOPOLOGY: Final[Topology] = {
    "exchanges": (
        {"name": "jobs", "type": "direct", "durable": True},
        {"name": "jobs.dlx", "type": "fanout", "durable": True},
    ),
    "queues": (
        {
            "name": "jobs.requested",
            "durable": True,
            "arguments": {"x-dead-letter-exchange": "jobs.dlx"},
        },
        {
            "name": "jobs.retry",
            "durable": True,
            "arguments": {
                "x-dead-letter-exchange": "jobs",
                "x-dead-letter-routing-key": "job.requested.v1",
            },
        },
        {
            "name": "jobs.finished",
            "durable": True,
            "arguments": {"x-dead-letter-exchange": "jobs.dlx"},
        },
        {"name": "jobs.dead", "durable": True, "arguments": {}},
    ),
    "bindings": (
        {"exchange": "jobs", "queue": "jobs.requested", "routing_key": "job.requested.v1"},
        {"exchange": "jobs", "queue": "jobs.finished", "routing_key": "job.finished.v1"},
        {"exchange": "jobs.dlx", "queue": "jobs.dead", "routing_key": ""},
    ),
}
