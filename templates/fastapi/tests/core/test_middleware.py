from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from app.core.middleware import BodyLimitMiddleware, RateLimitMiddleware
from app.main import create_app
from tests.conftest import client_for, make_settings, running


async def test_security_headers_on_every_response(client: AsyncClient) -> None:
    for response in (await client.get("/healthz"), await client.get("/nope")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert "strict-transport-security" not in response.headers  # only in production


async def test_request_id_is_generated_or_echoed_when_valid(client: AsyncClient) -> None:
    generated = (await client.get("/healthz")).headers["x-request-id"]
    assert len(generated) == 32

    echoed = await client.get("/healthz", headers={"X-Request-Id": "abc-123.def_4:5"})
    assert echoed.headers["x-request-id"] == "abc-123.def_4:5"

    for bad in ("has space", "x" * 129, "semi;colon", "<script>"):
        response = await client.get("/healthz", headers={"X-Request-Id": bad})
        assert response.headers["x-request-id"] != bad
        assert len(response.headers["x-request-id"]) == 32


async def test_unhandled_exception_is_a_json_500_without_traceback(app: FastAPI) -> None:
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/boom", boom)
    async with client_for(app) as client:
        response = await client.get("/boom", headers={"X-Request-Id": "req-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "Internal server error",
        "instance": "/boom",
    }
    assert "secret internal detail" not in response.text
    assert response.headers["x-request-id"] == "req-500"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_body_limit_by_content_length(database_url: str) -> None:
    app = create_app(make_settings(database_url, max_body_bytes=64))
    async with running(app), client_for(app) as client:
        body = {"email": "a@example.com", "name": "x" * 100}
        response = await client.post("/users", json=body)
        assert response.status_code == 413
        assert response.json()["detail"] == "Request body is too large"
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_body_limit_on_streamed_body_without_content_length(database_url: str) -> None:
    app = create_app(make_settings(database_url, max_body_bytes=64))

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 16

    async with running(app), client_for(app) as client:
        response = await client.post(
            "/users", content=chunks(), headers={"content-type": "application/json"}
        )
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert response.json()["detail"] == "Request body is too large"


async def test_rate_limit_answers_429_with_retry_after(database_url: str) -> None:
    app = create_app(
        make_settings(
            database_url,
            rate_limit_enabled=True,
            rate_limit_read_requests=3,
            rate_limit_window_seconds=60,
        )
    )
    async with running(app), client_for(app) as client:
        statuses = [(await client.get("/users/not-a-uuid")).status_code for _ in range(4)]
        assert statuses == [422, 422, 422, 429]
        limited = await client.get("/users/not-a-uuid")
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["content-type"] == "application/problem+json"
        assert limited.json()["status"] == 429
        assert limited.headers["x-request-id"]  # still passes the outer middleware


async def test_rate_limit_window_resets_and_forgets_idle_clients() -> None:
    now = 0.0
    calls: list[int] = []

    async def app(scope: object, receive: object, send: object) -> None:
        calls.append(1)

    limiter = RateLimitMiddleware(app, limit=1, window_seconds=10, clock=lambda: now)
    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def request(ip: str) -> None:
        scope = {"type": "http", "method": "GET", "path": "/x", "client": (ip, 1)}
        await limiter(scope, None, send)  # type: ignore[arg-type]

    await request("10.0.0.1")
    await request("10.0.0.1")
    assert len(calls) == 1
    assert sent[0]["status"] == 429
    now = 10.0
    await request("10.0.0.2")  # triggers the sweep
    assert set(limiter._windows) == {("10.0.0.2", True)}
    await request("10.0.0.1")
    assert len(calls) == 3


@pytest.mark.parametrize("origin", ["https://app.example.com"])
async def test_cors_allow_list(database_url: str, origin: str) -> None:
    app = create_app(make_settings(database_url, cors_origins=(origin,)))
    async with client_for(app) as client:
        preflight = await client.options(
            "/users",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.headers["access-control-allow-origin"] == origin
        other = await client.get("/healthz", headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in other.headers


async def test_no_cors_headers_by_default(client: AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Origin": "https://app.example.com"})
    assert "access-control-allow-origin" not in response.headers


async def test_body_limit_rejects_malformed_content_length() -> None:
    called = False

    async def app(scope: object, receive: object, send: object) -> None:
        nonlocal called
        called = True

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/x", "headers": [(b"content-length", b"-1")]}
    await BodyLimitMiddleware(app, max_bytes=10)(scope, None, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 400
    assert not called
