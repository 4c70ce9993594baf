"""Run the app under uvicorn as the production entry point does (`python -m app`)."""

import signal
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

# Longer than any request should take, shorter than the orchestrator's kill timeout
# (docker compose stop_grace_period is set to 30s).
GRACEFUL_SHUTDOWN_SECONDS = 20


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(app: ASGIApp | str, *, host: str, port: int) -> None:
    # uvicorn handles SIGTERM itself while it runs: it stops accepting connections, lets
    # in-flight requests finish, runs the lifespan shutdown (engine disposal), and then
    # re-raises the signal to the handler that was installed before it. Installing this one
    # makes a completed graceful shutdown exit with status 0 instead of dying by the signal.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        app,
        host=host,
        port=port,
        # Logging was configured by create_app (JSON); the request middleware writes
        # the access log with request ids.
        log_config=None,
        access_log=False,
        # Client IPs from X-Forwarded-For only for proxies in FORWARDED_ALLOW_IPS
        # (uvicorn reads that variable; default 127.0.0.1).
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
