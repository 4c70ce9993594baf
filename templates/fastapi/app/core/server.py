"""Run the app under uvicorn as the production entry point does (`python -m app`).

uvicorn bounds neither the size of a request head (its httptools parser, the default, buffered
20 MB of headers) nor the time a client may take to send it (a client sending one header byte
a second held a connection open indefinitely). BoundedHttpProtocol adds both, as Node's
maxHeaderSize and headersTimeout do for the Express starter: 431 or 408, then the connection
is closed.
"""

import asyncio
import json
import signal
from dataclasses import dataclass
from types import FrameType

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.core.config import Settings
from app.core.errors import PROBLEM_JSON, TITLES, problem

# Longer than any request should take, shorter than the orchestrator's kill timeout
# (docker compose stop_grace_period is set to 30s).
GRACEFUL_SHUTDOWN_SECONDS = 20
# After a refusal the connection is half-closed and its input drained this long (or until this
# many bytes) before it is closed: closing a socket with unread input makes the kernel send a
# reset, which can destroy the answer before the client has read it.
REFUSAL_LINGER_SECONDS = 1.0
REFUSAL_DRAIN_BYTES = 64 * 1024


@dataclass(frozen=True)
class ServerLimits:
    max_header_bytes: int = 16 * 1024
    header_timeout_seconds: float = 10.0
    keep_alive_seconds: int = 5
    # Proxies whose X-Forwarded-For/-Proto are believed (comma-separated IPs or CIDRs).
    # Empty: none, so a client cannot choose its own address for the logs and the rate limit.
    forwarded_allow_ips: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> "ServerLimits":
        return cls(
            max_header_bytes=settings.max_header_bytes,
            header_timeout_seconds=settings.header_timeout_seconds,
            keep_alive_seconds=settings.keep_alive_timeout_seconds,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )


class BoundedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a size limit and a deadline for each request head.

    The deadline starts with the first byte of a request (or when the connection opens) and
    ends when the headers are complete; the body is bounded by BodyLimitMiddleware instead.
    """

    max_head_bytes = ServerLimits.max_header_bytes
    head_timeout = ServerLimits.header_timeout_seconds

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._refused = False
        self._drained = 0
        self._linger: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._end_head()
        if self._linger is not None:
            self._linger.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            self._drained += len(data)
            if self._drained > REFUSAL_DRAIN_BYTES:
                self.transport.close()  # a flood: stop reading it, a reset is what it gets
            return
        if self.cycle is None or self.cycle.response_complete:
            self._start_head()  # this data begins the next request on a kept-alive connection
        if self._head_timer is not None:
            self._head_bytes += len(data)
        super().data_received(data)
        # Checked after parsing, so the body bytes of a request whose head just ended never count.
        if self._head_timer is not None and self._head_bytes > self.max_head_bytes:
            self._refuse(431, "The request line and headers are too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_head()  # a pipelined request

    def on_headers_complete(self) -> None:
        self._end_head()
        super().on_headers_complete()

    def _start_head(self) -> None:
        if self._head_timer is None:
            self._head_bytes = 0
            self._head_timer = self.loop.call_later(
                self.head_timeout, self._refuse, 408, "The request headers took too long"
            )

    def _end_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _refuse(self, status: int, detail: str) -> None:
        self._end_head()
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        # No request was parsed, so there is no ASGI cycle to answer through: write it directly.
        body = json.dumps(problem(status, detail)).encode()
        head = (
            f"HTTP/1.1 {status} {TITLES[status]}\r\ncontent-type: {PROBLEM_JSON}\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()  # FIN after the answer; input is drained meanwhile
            self._linger = self.loop.call_later(REFUSAL_LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()


def server_config(
    app: ASGIApp | str, *, host: str, port: int, limits: ServerLimits = ServerLimits()
) -> uvicorn.Config:
    protocol = type(
        "HttpProtocol",
        (BoundedHttpProtocol,),
        {"max_head_bytes": limits.max_header_bytes, "head_timeout": limits.header_timeout_seconds},
    )
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        timeout_keep_alive=limits.keep_alive_seconds,
        # Logging was configured by create_app (JSON); the request middleware writes
        # the access log with request ids.
        log_config=None,
        access_log=False,
        # Without trusted proxies uvicorn's ProxyHeadersMiddleware is not installed at all
        # (its own default trusts 127.0.0.1, so any local process could pick its address).
        proxy_headers=bool(limits.forwarded_allow_ips),
        forwarded_allow_ips=limits.forwarded_allow_ips or None,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(
    app: ASGIApp | str, *, host: str, port: int, limits: ServerLimits = ServerLimits()
) -> None:
    # uvicorn handles SIGTERM itself while it runs: it stops accepting connections, lets
    # in-flight requests finish, runs the lifespan shutdown (engine disposal), and then
    # re-raises the signal to the handler that was installed before it. Installing this one
    # makes a completed graceful shutdown exit with status 0 instead of dying by the signal.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    server = uvicorn.Server(server_config(app, host=host, port=port, limits=limits))
    server.run()
    if not server.started:
        raise SystemExit(3)  # e.g. the port is taken; uvicorn.run() exits the same way
