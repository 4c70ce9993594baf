"""Swagger UI at /docs with a Content-Security-Policy that still lets it run.

Swagger UI's assets come from a CDN and its start-up script is inline, so /docs gets its own
policy: the CDN for scripts and styles, and the inline script only by its hash. Every other
response keeps the strict API policy (default-src 'none').
"""

import base64
import hashlib
import re

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

DOCS_PATH = "/docs"
CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def docs_router(*, openapi_url: str, title: str) -> tuple[APIRouter, str]:
    """The /docs route and the Content-Security-Policy its page needs."""
    page = bytes(get_swagger_ui_html(openapi_url=openapi_url, title=title).body)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    csp = (
        f"default-src 'none'; script-src {CDN} {hashes}; "
        # Swagger UI sets style attributes at run time.
        f"style-src {CDN} 'unsafe-inline'; img-src 'self' data: https://fastapi.tiangolo.com; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    router = APIRouter()

    @router.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page)

    return router, csp
