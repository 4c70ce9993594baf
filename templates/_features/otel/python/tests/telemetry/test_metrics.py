"""RED metrics on a Prometheus endpoint of its own, labelled by route template."""

import re

import httpx
from fastapi import FastAPI
from httpx import AsyncClient

SAMPLE = {"email": "grace@example.com", "name": "Grace Hopper"}


async def scrape(app: FastAPI) -> str:
    port = app.state.metrics_port
    assert port, "the metrics endpoint is not serving"
    async with httpx.AsyncClient() as http:
        response = await http.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    return response.text


def count(text: str, route: str, status: int) -> float:
    total = 0.0
    for line in text.splitlines():
        if not re.match(r"http_server_(request_)?duration(_seconds|_milliseconds)?_count\{", line):
            continue
        if f'http_route="{route}"' in line and re.search(rf'status_code="{status}"', line):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def test_requests_are_counted_by_route_template_and_status(
    app: FastAPI, client: AsyncClient
) -> None:
    before = await scrape(app)
    user = (await client.post("/users", json=SAMPLE)).json()
    assert (await client.get(f"/users/{user['id']}")).status_code == 200
    assert (await client.get("/users/not-a-uuid")).status_code == 422
    after = await scrape(app)
    for route, status in (("/users", 201), ("/users/{user_id}", 200), ("/users/{user_id}", 422)):
        assert count(after, route, status) - count(before, route, status) == 1, (route, status)
    assert user["id"] not in after


async def test_metrics_are_not_served_on_the_api(client: AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 404
