"""The worker as a real process: its compute pool never outlives it, and SIGTERM ends it within the
grace period even while the broker is unreachable. Linux only (reads /proc); every process the
tests start is killed in every outcome."""

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.worker.runner import SHUTDOWN_GRACE_SECONDS
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")

# Generous: a busy 2-core CI machine takes seconds to boot each interpreter. Readiness is polled,
# so a fast machine does not wait for these.
START_TIMEOUT_SECONDS = 120.0
GONE_TIMEOUT_SECONDS = 30.0
UNREACHABLE = "amqp://guest:guest@127.0.0.1:1/"


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, None when it is gone (zombies count as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]  # the name in parentheses may hold spaces
    return None if state in ("Z", "X") else (state, int(ppid))


def descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[1]
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if _stat(pid) is not None}


def pool_processes(pids: set[int]) -> set[int]:
    def cmdline(pid: int) -> bytes:
        with contextlib.suppress(OSError):
            return Path(f"/proc/{pid}/cmdline").read_bytes()
        return b""

    return {pid for pid in pids if b"spawn_main" in cmdline(pid)}


async def eventually(condition: Callable[[], bool], *, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        await asyncio.sleep(0.1)


@dataclass
class WorkerProcess:
    process: asyncio.subprocess.Process
    log: Path
    # Every descendant seen, so the clean-up finds them even after they are orphaned.
    seen: set[int] = field(default_factory=set)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def output(self) -> str:
        return "\n".join(self.lines[-40:])

    def descendants(self) -> set[int]:
        found = descendants(self.pid)
        self.seen |= found
        return found

    async def wait_for_pool(self, size: int) -> set[int]:
        await eventually(
            lambda: len(pool_processes(self.descendants())) == size,
            what=f"{size} pool processes\n{self.output()}",
            seconds=START_TIMEOUT_SECONDS,
        )
        return self.descendants()


@contextlib.asynccontextmanager
async def worker_process(tmp_path: Path, amqp_url: str) -> AsyncIterator[WorkerProcess]:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}",
        "AMQP_URL": amqp_url,
        "AMQP_NAMESPACE": f"test-processes-{os.getpid()}",
        "WORKER_PROCESSES": "2",
        "WORKER_HEALTH_PORT": "0",
        "LOG_JSON": "true",
    }
    log = tmp_path / "worker.log"
    # Output to a file, not a pipe: an orphaned pool process would hold a pipe open forever.
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.worker",
            cwd=PROJECT_ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group: the clean-up kills all of it
        )
    worker = WorkerProcess(process, log)
    try:
        yield worker
    finally:
        everything = worker.seen | worker.descendants() | {process.pid}
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        for pid in alive(everything):  # orphans the group kill missed, if they left the group
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        await process.wait()


async def test_pool_processes_die_with_a_killed_worker(tmp_path: Path) -> None:
    async with worker_process(tmp_path, UNREACHABLE) as worker:
        children = await worker.wait_for_pool(2)  # warmed up before the broker is tried
        os.kill(worker.pid, signal.SIGKILL)  # as the OOM killer or `kill -9` would
        await worker.process.wait()
        await eventually(
            lambda: not alive(children),
            what=f"pool processes {alive(children)} to exit with their parent",
            seconds=GONE_TIMEOUT_SECONDS,
        )


async def test_sigterm_stops_the_pool_too(tmp_path: Path) -> None:
    async with worker_process(tmp_path, UNREACHABLE) as worker:
        children = await worker.wait_for_pool(2)
        worker.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(SHUTDOWN_GRACE_SECONDS):
            assert await worker.process.wait() == 0, worker.output()
        await eventually(lambda: not alive(children), what="the pool", seconds=GONE_TIMEOUT_SECONDS)


class CuttableProxy:
    """A TCP proxy to the broker whose cut() makes the broker unreachable, as an outage would."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()  # new connections are refused from now on
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()


async def test_sigterm_while_the_broker_is_down_ends_within_the_grace_period(
    tmp_path: Path,
) -> None:
    url = os.environ.get("AMQP_URL")
    if not url:
        pytest.skip("AMQP_URL is not set: needs a real RabbitMQ to connect to first")
    target = urlsplit(url)
    proxy = CuttableProxy(target.hostname or "127.0.0.1", target.port or 5672)
    port = await proxy.start()
    proxied = url.replace(target.netloc, f"{target.netloc.rsplit('@', 1)[0]}@127.0.0.1:{port}")
    try:
        async with worker_process(tmp_path, proxied) as worker:
            await eventually(
                lambda: any("worker_consuming" in line for line in worker.lines),
                what=f"the worker to consume\n{worker.output()}",
                seconds=START_TIMEOUT_SECONDS,
            )
            children = worker.descendants()
            await proxy.cut()
            await eventually(
                lambda: any("Reconnecting" in line for line in worker.lines),
                what=f"the worker to notice the outage\n{worker.output()}",
                seconds=START_TIMEOUT_SECONDS,
            )
            started = time.monotonic()
            worker.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(SHUTDOWN_GRACE_SECONDS):
                    assert await worker.process.wait() == 0, worker.output()
            except TimeoutError:
                message = f"still running after the grace period\n{worker.output()}"
                raise AssertionError(message) from None
            assert time.monotonic() - started < SHUTDOWN_GRACE_SECONDS
            await eventually(lambda: not alive(children), what="the pool", seconds=30)
    finally:
        await proxy.cut()
