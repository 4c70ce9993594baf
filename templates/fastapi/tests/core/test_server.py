"""The production server's connection limits, on a real uvicorn server on 127.0.0.1.

The server runs in a thread of this process and is stopped in every outcome; the app is a
stub that reports what uvicorn told it, since these are properties of the server, not the app.
"""

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import Receive, Scope, Send

from app.core.server import ServerLimits, server_config

# Generous: the machine may be busy. The assertions are about bounds, not speed.
START_TIMEOUT = 60.0


async def echo_client(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    while (await receive()).get("more_body"):
        pass  # read the whole body, so closing the connection does not reset it
    body = json.dumps({"client": scope["client"][0]}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def running(limits: ServerLimits) -> Iterator[int]:
    config = server_config(echo_client, host="127.0.0.1", port=0, limits=limits)
    config.lifespan = "off"
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            assert thread.is_alive(), "server stopped during start-up"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        port: int = server.servers[0].sockets[0].getsockname()[1]
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        assert not thread.is_alive()


def exchange(port: int, request: bytes, *, timeout: float = 30.0) -> bytes:
    """Sends `request`, returns everything the server sends until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        # The server may close before it has read everything.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def cut_short(port: int, request: bytes, *, timeout: float = 30.0) -> bool:
    """Sends `request`; True if the server closed the connection before taking all of it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            return True
        return False


def test_oversized_headers_are_refused_with_431() -> None:
    with running(ServerLimits(max_header_bytes=8192)) as port:
        # Over the limit, not finished: refused without waiting for the rest.
        answer = exchange(port, b"GET / HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * 9000)
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert b"application/problem+json" in answer
        # 20 MB of headers: the connection is dropped long before (it used to be buffered).
        huge = b"GET / HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * 20_000_000 + b"\r\n\r\n"
        assert cut_short(port, huge)
        # the server still answers on a new connection
        ok = exchange(port, b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        assert ok.startswith(b"HTTP/1.1 200 ")


def test_headers_within_the_limit_and_a_large_body_pass() -> None:
    with running(ServerLimits(max_header_bytes=8192)) as port:
        body = b"x" * 200_000  # bodies are the middleware's business, not the head limit's
        request = (
            b"POST / HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-ok: "
            + b"a" * 4000
            + b"\r\ncontent-length: %d\r\n\r\n" % len(body)
            + body
        )
        assert exchange(port, request).startswith(b"HTTP/1.1 200 ")


def test_a_slow_header_sender_is_cut_off_with_408() -> None:
    timeout = 1.0
    with running(ServerLimits(header_timeout_seconds=timeout)) as port:
        # Before connecting: the server's deadline starts when it accepts, which can come before
        # create_connection returns here.
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nhost: x\r\n")
            answer = b""
            # One header byte every 0.2 s: never finishes on its own.
            while True:
                try:
                    sock.sendall(b"x")
                except (BrokenPipeError, ConnectionResetError):
                    break
                sock.settimeout(0.2)
                try:
                    chunk = sock.recv(65536)
                except TimeoutError:
                    assert time.monotonic() - started < 30, "connection was never closed"
                    continue
                if not chunk:
                    break
                answer += chunk
            elapsed = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert answer.endswith(b"}")  # the whole answer arrived, then the server's FIN
        # asyncio may run a timer up to its clock resolution early
        assert timeout - 0.01 <= elapsed < 30


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted() -> None:
    spoofed = (
        b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-forwarded-for: 203.0.113.7\r\n\r\n"
    )
    with running(ServerLimits()) as port:
        assert b'{"client": "127.0.0.1"}' in exchange(port, spoofed)
    with running(ServerLimits(forwarded_allow_ips="127.0.0.1")) as port:
        assert b'{"client": "203.0.113.7"}' in exchange(port, spoofed)
