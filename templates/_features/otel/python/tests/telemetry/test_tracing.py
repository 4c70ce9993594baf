"""Traces of the API: a SERVER span per request named by route template, continuing the caller's
trace, with the database queries below it; no personal data; log lines carry the ids."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import structlog
from httpx import AsyncClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.core.config import Settings
from app.core.logging import configure_logging
from app.main import create_app
from tests.conftest import client_for, running

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_SPAN_ID = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"
SAMPLE = {"email": "ada@example.com", "name": "Ada Lovelace"}


def servers(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.kind is SpanKind.SERVER]


def hex_trace_id(span: ReadableSpan) -> str:
    assert span.context is not None
    return format(span.context.trace_id, "032x")


async def test_a_request_continues_the_caller_trace_with_the_query_below_it(
    client: AsyncClient, spans: InMemorySpanExporter
) -> None:
    response = await client.post("/users", json=SAMPLE, headers={"traceparent": TRACEPARENT})
    assert response.status_code == 201

    (server,) = servers(spans)
    assert server.name == "POST /users"
    assert hex_trace_id(server) == TRACE_ID
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == PARENT_SPAN_ID
    assert server.attributes is not None
    assert server.attributes.get("http.route") == "/users"

    finished = spans.get_finished_spans()
    assert {hex_trace_id(span) for span in finished} == {TRACE_ID}
    by_id = {span.context.span_id: span for span in finished if span.context is not None}
    queries = [
        span
        for span in finished
        if span.kind is SpanKind.CLIENT
        and {"db.system", "db.system.name"} & set(span.attributes or {})
    ]
    assert queries, [span.name for span in finished]
    for query in queries:
        ancestor: ReadableSpan | None = query
        while ancestor is not None and ancestor is not server:
            ancestor = by_id.get(ancestor.parent.span_id) if ancestor.parent else None
        assert ancestor is server, query.name


async def test_spans_are_named_by_route_template_never_by_raw_path(
    client: AsyncClient, spans: InMemorySpanExporter
) -> None:
    user = (await client.post("/users", json=SAMPLE)).json()
    assert (await client.get(f"/users/{user['id']}")).status_code == 200
    assert (await client.get("/users/not-a-uuid")).status_code == 422
    names = [span.name for span in servers(spans)]
    assert names == ["POST /users", "GET /users/{user_id}", "GET /users/{user_id}"]
    assert user["id"] not in " ".join(names)


async def test_no_personal_data_in_any_attribute(
    client: AsyncClient, spans: InMemorySpanExporter
) -> None:
    await client.post("/users?email=ada@example.com", json=SAMPLE)
    values = [
        str(value)
        for span in spans.get_finished_spans()
        for value in (span.attributes or {}).values()
    ]
    assert values
    assert not [value for value in values if "ada@example.com" in value]


async def test_probes_are_not_traced(client: AsyncClient, spans: InMemorySpanExporter) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert servers(spans) == []


async def test_log_lines_in_a_request_carry_the_trace_and_span_ids_and_request_id(
    settings: Settings, spans: InMemorySpanExporter
) -> None:
    app = create_app(settings)

    @app.get("/log-something")
    async def log_something() -> dict[str, str]:
        structlog.get_logger("tests.telemetry").info("inside_request")
        return {}

    out = io.StringIO()
    configure_logging("INFO", stream=out)  # after create_app, which configures stdout
    try:
        async with running(app), client_for(app) as client:
            await client.get("/log-something", headers={"traceparent": TRACEPARENT})
    finally:
        configure_logging(settings.log_level)
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    (line,) = [line for line in lines if line.get("event") == "inside_request"]
    (server,) = servers(spans)
    assert server.context is not None
    assert line["trace_id"] == TRACE_ID
    assert line["span_id"] == format(server.context.span_id, "016x")
    assert line["request_id"]


class _Recorder(BaseHTTPRequestHandler):
    traceparents: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        self.traceparents.append(self.headers.get("traceparent"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


async def test_outgoing_httpx_requests_get_a_client_span_and_carry_the_trace(
    spans: InMemorySpanExporter,
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        tracer = trace.get_tracer(__name__)
        with tracer.start_as_current_span("outer") as outer:
            async with httpx.AsyncClient() as http:
                await http.get(f"http://127.0.0.1:{server.server_port}/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    trace_id = format(outer.get_span_context().trace_id, "032x")
    (traceparent,) = _Recorder.traceparents
    assert traceparent is not None
    assert traceparent.split("-")[1] == trace_id
    assert [s for s in spans.get_finished_spans() if s.kind is SpanKind.CLIENT and s.name == "GET"]
