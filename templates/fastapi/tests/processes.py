"""Real processes started by tests: waited on for readiness, never left running.

Start-up takes a second on an idle laptop and far longer on a loaded 2-core CI runner, so tests wait
for the process to be ready within one generous bound instead of a short fixed budget, and every
process runs in a session of its own so that one signal ends it and everything it spawned.
"""

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

# Readiness bound for a process a test starts; the wait ends as soon as it is ready.
PROCESS_START_TIMEOUT = 120.0


def wait_until(condition: Callable[[], bool], *, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def kill_group(pid: int) -> None:
    """SIGKILLs the process group led by `pid` (a process started with start_new_session=True)."""
    with suppress(ProcessLookupError):  # already gone
        os.killpg(pid, signal.SIGKILL)


@contextmanager
def started(args: list[str], **popen: Any) -> Iterator[subprocess.Popen[str]]:
    """Popen in a new session; on leaving, whatever the outcome, the whole group is killed."""
    proc = subprocess.Popen(args, start_new_session=True, text=True, **popen)
    try:
        yield proc
    finally:
        kill_group(proc.pid)
        proc.wait()
