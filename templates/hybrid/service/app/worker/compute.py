"""Runs jobs' CPU work in a pool of processes, so the event loop keeps acknowledging, publishing
and answering health checks while a job computes (and several jobs compute in parallel)."""

import asyncio
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import structlog

from app.contracts.generated import CountPrimesResult, JobRequestedV1
from app.worker.primes import count_primes

logger = structlog.get_logger(__name__)


def _ignore_stop_signals() -> None:
    # Ctrl-C reaches the whole process group: pool processes must not die of it mid-job. The
    # worker process decides when they stop (it finishes in-flight jobs first).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class ProcessPoolWork:
    def __init__(self, processes: int) -> None:
        self._processes = processes
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._processes,
            # spawn, not fork: forking a process that runs threads (asyncio's resolver, the
            # database driver) can deadlock the child, and Python 3.12+ warns about it.
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_ignore_stop_signals,
        )

    async def warm_up(self) -> None:
        """Start every pool process now (they start on demand otherwise), so the first jobs do
        not wait about a second each for an interpreter to boot."""
        loop = asyncio.get_running_loop()
        tasks = [loop.run_in_executor(self._pool, count_primes, 2) for _ in range(self._processes)]
        await asyncio.gather(*tasks)

    async def __call__(self, job: JobRequestedV1) -> CountPrimesResult:
        loop = asyncio.get_running_loop()
        try:
            count, largest = await loop.run_in_executor(self._pool, count_primes, job.input.limit)
        except BrokenProcessPool:
            # A pool process died (killed, out of memory): every later job would fail too.
            # Start a new pool; this attempt still counts as failed and is retried.
            logger.warning("process_pool_replaced", job_id=str(job.job_id))
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            raise
        return CountPrimesResult(count=count, largest=largest)

    def shutdown(self) -> None:
        """Blocks until running computations end; call after in-flight messages are settled."""
        self._pool.shutdown(wait=True, cancel_futures=True)
