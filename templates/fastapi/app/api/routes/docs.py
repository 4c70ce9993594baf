"""Swagger UI at /docs, served from this app, with a Content-Security-Policy that lets it run.

The assets come from the swagger-ui-bundle-v2 package (its version pins Swagger UI's, and
uv.lock pins it), so /docs works offline and never loads code from a CDN. Swagger UI's start-up
script is inline, so /docs gets its own policy: scripts and styles from this origin, the inline
script only by its hash. Every other response keeps the strict API policy (default-src 'none').
"""

import base64
import hashlib
import re

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def docs_router(*, openapi_url: str, title: str) -> tuple[APIRouter, str]:
    """The /docs routes (page and assets) and the Content-Security-Policy the page needs."""
    page = bytes(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        ).body
    )
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    csp = (
        f"default-src 'none'; script-src 'self' {hashes}; "
        # Swagger UI sets style attributes at run time.
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    router = APIRouter()

    @router.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page)

    router.mount(ASSETS_PATH, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
    return router, csp
