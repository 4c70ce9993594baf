"""The process pool really runs jobs in other processes, and survives a dead pool process."""

import os
import uuid
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime

import pytest

from app.contracts.generated import CountPrimesInput, CountPrimesResult, JobRequestedV1
from app.worker.compute import ProcessPoolWork


def job(limit: int) -> JobRequestedV1:
    return JobRequestedV1(
        schema_version=1,
        job_id=uuid.uuid4(),
        kind="count-primes",
        input=CountPrimesInput(limit=limit),
        requested_at=datetime.now(UTC),
    )


def pool_pids(work: ProcessPoolWork) -> set[int]:
    # The pool's own bookkeeping: pid -> process.
    return set(work._pool._processes)


async def test_runs_in_pool_processes_and_recovers_from_a_dead_one() -> None:
    work = ProcessPoolWork(processes=1)
    try:
        await work.warm_up()
        assert len(pool_pids(work)) == 1  # started before any job
        assert await work(job(100)) == CountPrimesResult(count=25, largest=97)
        [pid] = pool_pids(work)
        assert pid != os.getpid()

        os.kill(pid, 9)  # as the kernel's OOM killer would
        with pytest.raises(BrokenProcessPool):
            await work(job(100))
        # the next job gets a fresh pool
        assert await work(job(1000)) == CountPrimesResult(count=168, largest=997)
        assert pool_pids(work).isdisjoint({pid})
    finally:
        work.shutdown()
