"""The OpenAPI document, with the error answers the app really gives.

FastAPI documents a 422 in its own shape on every route with input, and nothing else. The
middleware and exception handlers answer RFC 9457 problem details instead (app.core.errors), on
every API route: 400/413/415 for bodies, 422 for invalid input, 429 for the rate limit. They are
added to each operation here, in one place, so no router has to list them and a feature's routes
are covered too.
"""

from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.core.errors import PROBLEM_JSON
from app.schemas import Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_METHODS = ("get", "put", "post", "patch", "delete")


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}}}


def _document_problems(operation: dict[str, Any], *, rate_limited: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, response in responses.items():
        # Routers declare their errors with model=Problem; FastAPI files them under
        # application/json, but they are sent as application/problem+json.
        content = response.get("content", {})
        if status[0] in "45" and content.get("application/json", {}).get("schema") == _PROBLEM_REF:
            content[PROBLEM_JSON] = content.pop("application/json")
    has_input = bool(operation.get("parameters")) or "requestBody" in operation
    if has_input:
        responses["422"] = _problem("Invalid input: `errors` lists each field")
    if "requestBody" in operation:
        responses.setdefault("400", _problem("The body is not valid JSON"))
        responses.setdefault("413", _problem("The body is too large"))
        responses.setdefault("415", _problem("The body is not application/json"))
    if rate_limited:
        responses.setdefault("429", _problem("Too many requests (see Retry-After)"))


def problem_openapi(
    app: FastAPI, *, unlimited_paths: Collection[str]
) -> Callable[[], dict[str, Any]]:
    """A replacement for app.openapi that documents the problem details answers."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, routes=app.routes, openapi_version="3.1.0"
            )
            for path, item in schema.get("paths", {}).items():
                for method in _METHODS:
                    if method in item:
                        _document_problems(item[method], rate_limited=path not in unlimited_paths)
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            # FastAPI's own validation error shapes are never sent.
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(problem_schema.pop("$defs", {}))
            schemas["Problem"] = problem_schema
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi
