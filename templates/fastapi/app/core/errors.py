"""Error answers that do not echo what the client sent."""

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return JSONResponse({"detail": "Request body is not valid JSON"}, status_code=400)
    # FastAPI's default answer includes each rejected "input" (and "ctx"): passwords, tokens
    # and personal data would be reflected into responses, logs and caches. Keep where and why.
    detail = [
        {"type": error["type"], "loc": list(error["loc"]), "msg": error["msg"]} for error in errors
    ]
    return JSONResponse({"detail": detail}, status_code=422)
