import uuid

from httpx import AsyncClient

NEW_USER = {"email": "Ada@Example.com", "name": "Ada Lovelace"}


async def create(client: AsyncClient, **fields: object) -> dict[str, object]:
    response = await client.post("/users", json={**NEW_USER, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_create_returns_user_with_location(client: AsyncClient) -> None:
    response = await client.post("/users", json=NEW_USER)
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada@example.com"  # normalised
    assert body["name"] == "Ada Lovelace"
    assert body["is_active"] is True
    assert body["created_at"].endswith(("Z", "+00:00"))
    assert response.headers["location"] == f"/users/{body['id']}"


async def test_duplicate_email_is_409(client: AsyncClient) -> None:
    await create(client)
    response = await client.post("/users", json={**NEW_USER, "email": "ADA@example.com"})
    assert response.status_code == 409
    assert response.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "A user with this email already exists",
        "instance": "/users",
    }


async def test_get_one_and_404(client: AsyncClient) -> None:
    user = await create(client)
    response = await client.get(f"/users/{user['id']}")
    assert response.status_code == 200
    assert response.json() == user

    missing = await client.get(f"/users/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["detail"] == "User not found"


async def test_list_is_paginated_in_creation_order(client: AsyncClient) -> None:
    for i in range(5):
        await create(client, email=f"user{i}@example.com")
    first = (await client.get("/users", params={"limit": 2})).json()
    assert first["total"] == 5
    assert [u["email"] for u in first["items"]] == ["user0@example.com", "user1@example.com"]
    last = (await client.get("/users", params={"limit": 2, "offset": 4})).json()
    assert [u["email"] for u in last["items"]] == ["user4@example.com"]
    assert (await client.get("/users", params={"limit": 101})).status_code == 422
    assert (await client.get("/users", params={"offset": -1})).status_code == 422


async def test_patch_changes_only_sent_fields(client: AsyncClient) -> None:
    user = await create(client)
    response = await client.patch(f"/users/{user['id']}", json={"name": "Ada King"})
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Ada King"
    assert body["email"] == user["email"]
    assert body["updated_at"] >= str(user["updated_at"])


async def test_patch_to_taken_email_is_409_and_404_for_missing(client: AsyncClient) -> None:
    await create(client, email="taken@example.com")
    user = await create(client)
    conflict = await client.patch(f"/users/{user['id']}", json={"email": "taken@example.com"})
    assert conflict.status_code == 409
    missing = await client.patch(f"/users/{uuid.uuid4()}", json={"name": "X"})
    assert missing.status_code == 404


async def test_patch_rejects_null(client: AsyncClient) -> None:
    user = await create(client)
    response = await client.patch(f"/users/{user['id']}", json={"name": None})
    assert response.status_code == 422


async def test_delete(client: AsyncClient) -> None:
    user = await create(client)
    response = await client.delete(f"/users/{user['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"/users/{user['id']}")).status_code == 404
    assert (await client.delete(f"/users/{user['id']}")).status_code == 404


async def test_unknown_fields_and_coercion_are_rejected(client: AsyncClient) -> None:
    extra = await client.post("/users", json={**NEW_USER, "is_admin": True})
    assert extra.status_code == 422
    assert extra.json()["errors"] == [
        {"location": "body", "path": "is_admin", "message": "Extra inputs are not permitted"}
    ]
    # strict: the string "true" is not a boolean
    coerced = await client.post("/users", json={**NEW_USER, "is_active": "true"})
    assert coerced.status_code == 422


async def test_validation_errors_do_not_echo_input(client: AsyncClient) -> None:
    secret = "hunter2-do-not-echo"
    response = await client.post("/users", json={"email": secret, "name": secret})
    assert response.status_code == 422
    assert secret not in response.text
    for error in response.json()["errors"]:
        assert set(error) == {"location", "path", "message"}


async def test_malformed_json_is_400_without_echo(client: AsyncClient) -> None:
    response = await client.post(
        "/users",
        content=b'{"email": "leak-me@example.com", ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Request body is not valid JSON"
    assert "leak-me" not in response.text


async def test_bad_uuid_is_422(client: AsyncClient) -> None:
    assert (await client.get("/users/not-a-uuid")).status_code == 422
