"""Every error answer is an RFC 9457 problem details object (application/problem+json).

The exception handlers here cover FastAPI's validation errors and every HTTPException (the
routers' 404/409, Starlette's 404/405); the middleware in app.core.middleware writes the same
format for 413, 415, 429 and 500. Messages never echo what the client sent.
"""

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

PROBLEM_JSON = "application/problem+json"
# RFC 9110's names, the same in both starters whatever the Python version's http.HTTPStatus says
# (3.11 still has "Request Entity Too Large" and "Unprocessable Entity").
TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
# FastAPI's names for where a value came from are OpenAPI's, except that "body" stays "body".
_LOCATIONS = frozenset({"path", "query", "header", "body"})


def problem(
    status: int,
    detail: str | None = None,
    *,
    instance: str | None = None,
    errors: Sequence[Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status) or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance  # the path only: a query string may hold secrets
    if errors is not None:
        body["errors"] = list(errors)
    return body


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    path = request.url.path
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return ProblemResponse(problem(400, "Request body is not valid JSON", instance=path), 400)
    # FastAPI's default answer includes each rejected "input" (and "ctx"): passwords, tokens
    # and personal data would be reflected into responses, logs and caches. Keep where and why.
    fields = []
    for error in errors:
        location, *rest = [str(part) for part in error["loc"]] or ["body"]
        fields.append(
            {
                "location": location if location in _LOCATIONS else "body",
                "path": ".".join(rest),
                "message": error["msg"],
            }
        )
    body = problem(422, "The request is invalid: see errors", instance=path, errors=fields)
    return ProblemResponse(body, 422)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> list[str]:
    """Every method the app routes for this path (Starlette's own 405 names only the first
    route's), found by asking each top-level route whether it would take the request."""
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]


async def http_error_handler(request: Request, exc: HTTPException) -> Response:
    headers = dict(exc.headers or {})
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
        if request.method == "OPTIONS":  # a plain OPTIONS (CORS preflights never get here)
            return Response(status_code=204, headers=headers)
        detail = f"{request.method} is not supported here"
    elif exc.status_code == 404 and detail == HTTPStatus.NOT_FOUND.phrase:
        detail = f"No route for {request.method} {request.url.path}"
    body = problem(exc.status_code, detail, instance=request.url.path)
    return ProblemResponse(body, exc.status_code, headers=headers)
