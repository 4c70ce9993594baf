"""Spans recorded in memory for the telemetry tests: a processor on the process's tracer provider
(one per process, as in production), set here unless the app already started one, exporting
through the redaction every exported span passes."""

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.telemetry.redaction import RedactingSpanExporter


@pytest.fixture(scope="session")
def _memory_exporter() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    # Through the same redaction as the OTLP exporter (app/telemetry/sdk.py).
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(exporter)))
    return exporter


@pytest.fixture
def spans(_memory_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    _memory_exporter.clear()
    yield _memory_exporter
    _memory_exporter.clear()
