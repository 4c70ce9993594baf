"""structlog JSON logging. Request-scoped values (request_id) come from contextvars."""

import logging
import sys
from contextvars import ContextVar
from typing import TextIO

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor, WrappedLogger

# Set per request by RequestContextMiddleware. A dedicated ContextVar is cheaper per request
# than structlog's bind_contextvars; other request-scoped values can still be bound with
# structlog.contextvars.bind_contextvars (merged below).
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def add_request_id(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    request_id = request_id_var.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def add_trace_context(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """The ids of the span active where the line is logged, named as in the OpenTelemetry log
    data model, so a line leads to its trace. Without a tracing SDK (the otel feature) no span is
    ever active and the line carries nothing extra."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


def configure_logging(
    level: str = "INFO", *, json_logs: bool = True, stream: TextIO | None = None
) -> None:
    """Configure structlog and route the standard library's records (uvicorn, SQLAlchemy,
    Alembic) through the same processors, so every line on stdout has one format."""
    out = stream or sys.stdout
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        add_request_id,
        add_trace_context,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor
    if json_logs:
        # Tracebacks as structured data, so one exception stays one log line. No local
        # variables: they would copy request data and secrets into the logs.
        shared.append(
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            )
        )
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer()

    structlog.configure(
        processors=[*shared, renderer],
        # Native structlog loggers: far cheaper per call than going through logging.Logger.
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        logger_factory=structlog.WriteLoggerFactory(file=out),
        cache_logger_on_first_use=True,
    )

    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # The request middleware writes one access line per request, with the request id;
    # a logger with no handler makes uvicorn skip its own access log entirely.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
