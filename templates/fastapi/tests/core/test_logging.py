import io
import json
import logging

import structlog

from app.core.logging import configure_logging, request_id_var


def test_structlog_and_stdlib_lines_are_json_with_bound_context() -> None:
    stream = io.StringIO()
    configure_logging("INFO", json_logs=True, stream=stream)
    token = request_id_var.set("rid-1")
    tokens = structlog.contextvars.bind_contextvars(user="u-7")
    try:
        structlog.get_logger("test").info("hello", answer=42)
        logging.getLogger("uvicorn.error").warning("from stdlib")
        structlog.get_logger("test").debug("filtered out")
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
        request_id_var.reset(token)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["hello", "from stdlib"]
    assert all(line["request_id"] == "rid-1" for line in lines)
    assert all(line["user"] == "u-7" for line in lines)
    assert lines[0]["answer"] == 42
    assert lines[0]["level"] == "info"
    assert lines[1]["logger"] == "uvicorn.error"


def test_console_format_for_development() -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", json_logs=False, stream=stream)
    structlog.get_logger("test").debug("readable")
    assert "readable" in stream.getvalue()
    configure_logging("WARNING")  # restore stdout for later tests
