"""SIGTERM under uvicorn: the in-flight request completes, the engine is disposed, exit 0."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.conftest import PROJECT_ROOT

# A real server process with one extra, test-only route. Nothing in app/ knows about it.
SERVER = """
import asyncio, pathlib, sys
from fastapi import APIRouter
from app.core.config import Settings
from app.core.server import serve
from app.main import create_app

port, database_url, marker = int(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
router = APIRouter()

@router.get("/test/slow")
async def slow() -> dict[str, str]:
    marker.touch()
    await asyncio.sleep(1.5)
    return {"status": "finished"}

settings = Settings(_env_file=None, environment="test", database_url=database_url, port=port)
app = create_app(settings)
app.include_router(router)
serve(app, host="127.0.0.1", port=port)  # what `python -m app` runs
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_sigterm_drains_in_flight_request(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    marker = tmp_path / "slow-started"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), database_url, str(marker)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            try:
                return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(up, timeout=30)

        result: dict[str, httpx.Response] = {}
        thread = threading.Thread(
            target=lambda: result.update(slow=httpx.get(f"{base}/test/slow", timeout=15))
        )
        thread.start()
        wait_until(marker.exists, timeout=10)  # the request is being handled now

        proc.send_signal(signal.SIGTERM)
        thread.join(timeout=15)
        output, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert result["slow"].status_code == 200
    assert result["slow"].json() == {"status": "finished"}
    assert proc.returncode == 0, output
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    names = [event["event"] for event in events]
    assert "shutdown" in names
    # the access line of the drained request carries its request id
    slow_lines = [e for e in events if e.get("path") == "/test/slow"]
    assert slow_lines
    assert slow_lines[0]["request_id"] == result["slow"].headers["x-request-id"]
    assert slow_lines[0]["status"] == 200
