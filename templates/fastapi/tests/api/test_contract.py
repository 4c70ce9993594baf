"""What the OpenAPI document promises, checked against what the server does (the cases a
schema-based fuzzer such as schemathesis found), and the one error format (RFC 9457)."""

import re

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from app.main import create_app
from tests.api.routes.test_users import create
from tests.conftest import client_for, make_settings, running

PROBLEM_JSON = "application/problem+json"
ADA = {"email": "ada@example.com", "name": "Ada"}


@pytest.mark.parametrize(
    "body",
    [
        {"email": "ada@example.com", "name": "Ada\u0000Lovelace"},
        {"email": "ada@example.com", "name": "Ada\u001bLovelace"},
        {"email": "ada@example.com", "name": "   "},
        {"email": "ada@example.com", "name": "x" * 101},
        {"email": "ada\u0000@example.com", "name": "Ada"},
    ],
)
async def test_text_fields_refuse_control_characters_and_blanks(
    client: AsyncClient, body: dict[str, str]
) -> None:
    assert (await client.post("/users", json=body)).status_code == 422


@pytest.mark.parametrize(
    "query", ["offset=9223372036854775808", "offset=1000001", "limit=0", "limit=1e400"]
)
async def test_pagination_is_bounded(client: AsyncClient, query: str) -> None:
    assert (await client.get(f"/users?{query}")).status_code == 422


async def test_names_are_stripped_after_validation(client: AsyncClient) -> None:
    assert (await create(client, name="  Ada Lovelace ")).get("name") == "Ada Lovelace"


async def test_validation_problem(client: AsyncClient) -> None:
    secret = "hunter2-super-secret"
    response = await client.post("/users", json={"email": secret, "name": ""})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["title"] == "Unprocessable Content"
    assert (body["status"], body["instance"]) == (422, "/users")
    assert {(e["location"], e["path"]) for e in body["errors"]} == {
        ("body", "email"),
        ("body", "name"),
    }
    assert secret not in response.text
    query = await client.get("/users", params={"limit": 0})
    assert query.json()["errors"][0]["location"] == "query"


async def test_unknown_route_malformed_json_and_other_media_types(client: AsyncClient) -> None:
    missing = await client.get("/nope")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM_JSON)
    assert missing.json()["instance"] == "/nope"

    malformed = await client.post(
        "/users", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert (malformed.status_code, malformed.json()["title"]) == (400, "Bad Request")

    form = await client.post("/users", data={"email": "a@b.co", "name": "x"})
    assert (form.status_code, form.headers["content-type"]) == (415, PROBLEM_JSON)
    assert form.headers["accept-post"] == "application/json"
    text = await client.post("/users", content=b"x", headers={"content-type": "text/plain"})
    assert text.status_code == 415


async def test_wrong_method_is_405_with_every_allowed_method(client: AsyncClient) -> None:
    put = await client.put("/users", json={})
    assert (put.status_code, put.headers["content-type"]) == (405, PROBLEM_JSON)
    assert put.headers["allow"] == "GET, POST"
    post = await client.post("/users/00000000-0000-4000-8000-000000000000", json={})
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, PATCH, DELETE"
    options = await client.options("/users")
    assert (options.status_code, options.headers["allow"]) == (204, "GET, POST")


async def test_emails_are_accepted_exactly_when_they_match_the_documented_pattern(
    client: AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    schema = spec["components"]["schemas"]["UserCreate"]["properties"]["email"]
    assert schema["format"] == "email"
    pattern = re.compile(schema["pattern"])
    for email in ("=t@false.info", "x@t2.test", "a.b+c@sub.example.com"):
        assert pattern.search(email)
        assert (await client.post("/users", json={**ADA, "email": email})).status_code == 201
    for email in ("no-at-sign", "a@localhost", "a..b@example.com", "a@-x.com"):
        assert not pattern.search(email)
        assert (await client.post("/users", json={**ADA, "email": email})).status_code == 422
    long_local_part = "a" * 65 + "@example.com"  # RFC 5321: at most 64
    assert (await client.post("/users", json={**ADA, "email": long_local_part})).status_code == 422


async def test_empty_patch_changes_nothing(client: AsyncClient) -> None:
    user = await create(client)
    response = await client.patch(f"/users/{user['id']}", json={})
    assert (response.status_code, response.json()) == (200, user)


async def test_patch_null_is_refused_and_documented_as_not_allowed(client: AsyncClient) -> None:
    user = await create(client)
    response = await client.patch(f"/users/{user['id']}", json={"name": None})
    assert response.status_code == 422
    assert [(e["location"], e["path"]) for e in response.json()["errors"]] == [("body", "name")]
    spec = (await client.get("/openapi.json")).json()
    assert "null" not in str(spec["components"]["schemas"]["UserUpdate"]["properties"])


async def test_openapi_documents_every_problem_answer(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    post = spec["paths"]["/users"]["post"]["responses"]
    for status in ("400", "409", "413", "415", "422", "429"):
        assert PROBLEM_JSON in post[status]["content"], status
    get_one = spec["paths"]["/users/{user_id}"]["get"]["responses"]
    assert {"404", "422", "429"} <= set(get_one)
    assert "415" not in get_one  # no body, no media type to refuse
    assert "429" not in spec["paths"]["/readyz"]["get"]["responses"]  # probes are not limited
    schemas = spec["components"]["schemas"]
    assert schemas["Problem"]["required"] == ["type", "title", "status"]
    assert "HTTPValidationError" not in schemas


async def test_reads_and_writes_are_limited_apart_and_probes_never(database_url: str) -> None:
    app: FastAPI = create_app(
        make_settings(
            database_url,
            rate_limit_enabled=True,
            rate_limit_requests=1,
            rate_limit_read_requests=2,
        )
    )
    async with running(app), client_for(app) as client:
        assert [(await client.get("/users")).status_code for _ in range(3)] == [200, 200, 429]
        assert (await client.post("/users", json=ADA)).status_code == 201
        limited = await client.post("/users", json={**ADA, "email": "b@example.com"})
        assert (limited.status_code, limited.headers["content-type"]) == (429, PROBLEM_JSON)
        for _ in range(5):
            assert (await client.get("/healthz")).status_code == 200
            # Not limited; whether ready depends on what the features check (a broker, say).
            assert (await client.get("/readyz")).status_code != 429
