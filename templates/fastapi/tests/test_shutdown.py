"""SIGTERM under uvicorn: the in-flight request completes, the engine is disposed, exit 0."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from tests.conftest import PROJECT_ROOT
from tests.processes import PROCESS_START_TIMEOUT, started, wait_until

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


def test_sigterm_drains_in_flight_request(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    marker = tmp_path / "slow-started"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    base = f"http://127.0.0.1:{port}"
    result: dict[str, httpx.Response] = {}
    with started(
        [sys.executable, "-c", SERVER, str(port), database_url, str(marker)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as proc:

        def up() -> bool:
            try:
                return httpx.get(f"{base}/healthz", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(up, what="the server's /healthz", timeout=PROCESS_START_TIMEOUT)

        thread = threading.Thread(
            target=lambda: result.update(slow=httpx.get(f"{base}/test/slow", timeout=60))
        )
        thread.start()
        wait_until(marker.exists, what="the slow request to arrive", timeout=60)

        proc.send_signal(signal.SIGTERM)
        thread.join(timeout=60)
        output, _ = proc.communicate(timeout=60)

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
