"""Runs jobs' CPU work in a pool of processes, so the event loop keeps acknowledging, publishing
and answering health checks while a job computes (and several jobs compute in parallel)."""

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import resource_tracker

import structlog

from app.contracts.generated import CountPrimesResult, JobRequestedV1
from app.worker.primes import count_primes

logger = structlog.get_logger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_CHECK_INTERVAL_SECONDS = 1.0


def _exit_with_parent(parent_pid: int) -> None:
    """A pool process must not outlive the worker: killed with SIGKILL, the worker cannot stop it,
    and as it ignores SIGTERM (below) nothing else would either."""
    if sys.platform == "linux":
        # The kernel sends SIGKILL the moment the parent dies. (It tracks the parent *thread*:
        # pools are created and grown from the worker's main thread, which lives as long as it.)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before that took effect
        os._exit(1)

    # Everywhere else, and as a fallback: once orphaned, the parent pid changes.
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_INTERVAL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _init_pool_process(parent_pid: int) -> None:
    # Ctrl-C reaches the whole process group, and systemd or a container runtime may signal
    # every process: pool processes must not die of it mid-job. The worker process decides
    # when they stop (it finishes in-flight jobs first).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _exit_with_parent(parent_pid)


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
            initializer=_init_pool_process,
            initargs=(os.getpid(),),
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

    def shutdown(self, *, kill_running: bool = False) -> None:
        """Stops the pool processes; call after in-flight messages are settled. Blocks until
        running computations end, unless kill_running: then they are killed (their messages
        were not acknowledged and will be delivered again)."""
        if kill_running:
            # No public API before Python 3.14 (kill_workers()); the executor's own table.
            for process in list(self._pool._processes.values()):
                process.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)
        # multiprocessing's resource tracker (a helper process the pool started) would otherwise
        # outlive the worker by a moment, so a supervisor could see a process left in its group.
        # Stopping it is private API, hence the care; a later pool starts a new one.
        stop_tracker = getattr(resource_tracker._resource_tracker, "_stop", None)
        if callable(stop_tracker):
            stop_tracker()
