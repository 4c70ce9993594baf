"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs a task and a stream per request).

RequestContextMiddleware  request id in and out, security headers, access log, and the one
                          place an unhandled exception becomes a 500 without a traceback.
RateLimitMiddleware       fixed-window request counters per client IP (reads and writes apart), 429.
BodyLimitMiddleware       415 for bodies that are not JSON, 413 for bodies over the limit.

Their answers are RFC 9457 problem details, like the exception handlers' (app.core.errors).
"""

import json
import math
import os
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence

import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PROBLEM_JSON, problem
from app.core.logging import request_id_var

logger = structlog.get_logger("app.request")

HeaderList = Sequence[tuple[bytes, bytes]]

REQUEST_ID_HEADER = b"x-request-id"
# Accept a caller's id only if it is short and plain, so it is safe to log and echo back.
_VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def security_headers(*, hsts: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"cache-control", b"no-store"),
    ]
    if hsts:
        # Only where TLS is certain (production behind HTTPS); browsers ignore it over http.
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


async def send_problem(
    send: Send, scope: Scope, status: int, detail: str, headers: HeaderList = ()
) -> None:
    payload = json.dumps(
        problem(status, detail, instance=scope["path"]), separators=(",", ":")
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        headers: HeaderList,
        csp: str = API_CSP,
        csp_overrides: Mapping[str, str] | None = None,
        quiet_paths: Collection[str] = (),
    ) -> None:
        self.app = app
        # Header lists are built once; per request only the request id is added.
        default = [*headers, (b"content-security-policy", csp.encode())]
        self._default_headers = default
        self._path_headers = {
            path: [*headers, (b"content-security-policy", value.encode())]
            for path, value in (csp_overrides or {}).items()
        }
        self._quiet_paths = frozenset(quiet_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = None
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                if _VALID_REQUEST_ID.fullmatch(value):
                    request_id = value.decode("ascii")
                break
        if request_id is None:
            request_id = os.urandom(16).hex()  # 128 random bits, like a UUID4, but cheaper

        path: str = scope["path"]
        extra = [
            *self._path_headers.get(path, self._default_headers),
            (REQUEST_ID_HEADER, request_id.encode("ascii")),
        ]
        status = 500
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        token = request_id_var.set(request_id)
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Full traceback to the log, nothing of it to the client.
            logger.exception("unhandled_exception", method=scope["method"], path=path)
            if started:
                raise  # headers are gone; the server can only drop the connection
            await send_problem(send_with_headers, scope, 500, "Internal server error")
        finally:
            if path not in self._quiet_paths:
                client = scope.get("client")
                logger.info(
                    "request",
                    method=scope["method"],
                    path=path,
                    status=status,
                    duration_ms=round((time.perf_counter() - start) * 1000, 2),
                    client=client[0] if client else None,
                )
            request_id_var.reset(token)


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RateLimitMiddleware:
    """Fixed windows per client IP, kept in this process's memory.

    Reads (GET, HEAD) and writes are counted apart, so a client polling a resource does not use
    up its budget for changing one, and writes (database work, side effects) can get less.
    With several workers or replicas every process counts on its own, so the effective limit
    is multiplied; put a shared limiter (proxy, API gateway, Redis) in front when that matters.
    Behind a reverse proxy the client IP comes from X-Forwarded-For only if the proxy is
    listed in FORWARDED_ALLOW_IPS (see app.core.server); otherwise it is the proxy's address.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        window_seconds: float,
        read_limit: int | None = None,
        exempt_paths: Collection[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.limit = limit
        self.read_limit = limit if read_limit is None else read_limit
        self.window = window_seconds
        self._exempt = frozenset(exempt_paths)
        self._clock = clock
        self._windows: dict[tuple[str, bool], tuple[float, int]] = {}
        self._next_sweep = clock() + window_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._exempt:
            await self.app(scope, receive, send)
            return

        now = self._clock()
        if now >= self._next_sweep:
            # Forget clients whose window ended, so memory follows the active clients only.
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self.window}
            self._next_sweep = now + self.window

        client = scope.get("client")
        is_read = scope["method"] in READ_METHODS
        key = (client[0] if client else "unknown", is_read)
        window_start, count = self._windows.get(key, (now, 0))
        if now - window_start >= self.window:
            window_start, count = now, 0
        count += 1
        self._windows[key] = (window_start, count)

        if count > (self.read_limit if is_read else self.limit):
            retry_after = max(1, math.ceil(window_start + self.window - now))
            await send_problem(
                send,
                scope,
                429,
                "Too many requests, try again later",
                [(b"retry-after", str(retry_after).encode())],
            )
            return
        await self.app(scope, receive, send)


BODY_TOO_LARGE = "Request body is too large"


class RequestBodyTooLargeError(HTTPException):
    """Raised from receive(); an HTTPException, so FastAPI's body parsing passes it through
    unchanged and the exception middleware turns it into the 413 answer."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=BODY_TOO_LARGE)


def _is_json(content_type: bytes) -> bool:
    media_type = content_type.split(b";", 1)[0].strip().lower()
    return media_type == b"application/json" or (
        media_type.startswith(b"application/") and media_type.endswith(b"+json")
    )


class BodyLimitMiddleware:
    """Accepts JSON request bodies of at most max_bytes.

    The API reads JSON only: a body in any other media type (a form, text, no Content-Type at
    all) gets 415 instead of failing validation as if it were missing. A Content-Length over the
    limit is refused before the app runs. Bodies without one (chunked transfer encoding) are
    counted as they arrive and cut off once over the limit. Requests without a body pass.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        has_body = False
        content_type = b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit():
                    await send_problem(send, scope, 400, "Invalid Content-Length")
                    return
                if int(value) > self.max_bytes:
                    await send_problem(send, scope, 413, BODY_TOO_LARGE)
                    return
                has_body = has_body or int(value) > 0
            elif name == b"transfer-encoding":
                has_body = True
            elif name == b"content-type":
                content_type = value
        if has_body and not _is_json(content_type):
            # RFC 9110 section 15.5.16: say which media type would have been accepted.
            accept = {"PATCH": b"accept-patch", "POST": b"accept-post"}.get(scope["method"])
            await send_problem(
                send,
                scope,
                415,
                "The request body must be application/json",
                [(accept or b"accept", b"application/json")],
            )
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise RequestBodyTooLargeError
            return message

        await self.app(scope, limited_receive, send)
