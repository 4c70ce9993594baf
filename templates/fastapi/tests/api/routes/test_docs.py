import base64
import hashlib
import re

from httpx import AsyncClient

from app.main import create_app
from tests.conftest import client_for, make_settings


async def test_openapi_lists_user_routes(client: AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/users", "/users/{user_id}", "/healthz", "/readyz"} <= set(paths)


async def test_docs_page_csp_allows_only_its_own_inline_script(client: AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger-ui" in response.text
    csp = response.headers["content-security-policy"]
    scripts = re.findall(rb"<script>(.*?)</script>", response.content, re.DOTALL)
    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    # the API keeps the strict policy
    api = await client.get("/healthz")
    assert api.headers["content-security-policy"].startswith("default-src 'none'")


async def test_docs_assets_are_served_locally(client: AsyncClient) -> None:
    page = (await client.get("/docs")).text
    assert "cdn." not in page
    assert "http://" not in page  # nothing from elsewhere
    assert "https://" not in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        response = await client.get(f"/docs/assets/{asset}")
        assert response.status_code == 200, asset
        assert f"/docs/assets/{asset}" in page
    csp = (await client.get("/docs")).headers["content-security-policy"]
    assert "cdn" not in csp


async def test_docs_can_be_disabled(database_url: str) -> None:
    app = create_app(make_settings(database_url, docs_enabled=False))
    async with client_for(app) as client:
        assert (await client.get("/docs")).status_code == 404
        assert (await client.get("/openapi.json")).status_code == 404
