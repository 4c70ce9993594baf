"""A tiny HTTP server for the worker's probes: GET /healthz and GET /readyz, JSON answers.

asyncio streams and nothing else: the worker has no web framework to carry, and the probes
answer from the same event loop that does the work, so a stuck loop shows as a failed probe.
"""

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable

import structlog

logger = structlog.get_logger(__name__)

READ_TIMEOUT_SECONDS = 5.0
MAX_REQUEST_BYTES = 8192
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 503: "Service Unavailable"}


class HealthServer:
    def __init__(self, host: str, port: int, ready: Callable[[], Awaitable[bool]]) -> None:
        self._host, self._port, self._ready = host, port, ready
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The bound port (differs from the configured one when that was 0)."""
        if self._server is None:
            raise RuntimeError("not started")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self._host, self._port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _answer(self, request_line: bytes) -> tuple[int, dict[str, str]]:
        parts = request_line.decode("latin-1").split()
        if len(parts) != 3 or parts[0] != "GET":
            return 400, {"status": "bad request"}
        path = parts[1].split("?", 1)[0]
        if path == "/healthz":
            return 200, {"status": "ok"}
        if path == "/readyz":
            if await self._ready():
                return 200, {"status": "ok"}
            return 503, {"status": "unavailable"}
        return 404, {"status": "not found"}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
            if len(head) > MAX_REQUEST_BYTES:
                raise ValueError("request head too large")
            status, body = await self._answer(head.split(b"\r\n", 1)[0])
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            status, body = 400, {"status": "bad request"}
        payload = json.dumps(body).encode()
        writer.write(
            f"HTTP/1.1 {status} {REASONS[status]}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n\r\n".encode()
            + payload
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
            writer.close()
            await writer.wait_closed()
