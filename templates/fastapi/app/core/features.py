"""What a feature can plug into the app. The registry of features is app/features.py."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from pydantic_settings import BaseSettings

# Raises (or hangs past the probe's timeout) when the dependency it checks is unreachable.
ReadinessCheck = Callable[[FastAPI], Awaitable[None]]
# Entered at startup after the database is set up, exited at shutdown before it is disposed.
# Keep per-app state (connections, clients) on app.state, as the database is.
LifespanHook = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass(frozen=True, kw_only=True)
class Feature:
    name: str
    routers: Sequence[APIRouter] = ()
    # Check name -> check; /readyz answers 503 when any of them (or the database) fails.
    readiness_checks: Mapping[str, ReadinessCheck] = field(default_factory=dict)
    # Checks of dependencies the API answers without (a cache): /readyz reports them by name
    # ("ok" / "unavailable", status "degraded") but stays 200, so the instance stays in rotation.
    noncritical_checks: Mapping[str, ReadinessCheck] = field(default_factory=dict)
    lifespan: LifespanHook | None = None
    # Settings classes the feature reads from the environment. `python -m app` validates them
    # before serving (a readable error and exit status 2, as for Settings), and .env.example
    # must document their fields (tests/test_project.py).
    settings: Sequence[type[BaseSettings]] = ()
    # Process-wide set-up, before the process serves: called by create_app with "api" and by other
    # entry points (a worker) with their role. A telemetry SDK starts here. Must be idempotent:
    # tests build many apps in one process.
    process_setup: Callable[[str], None] | None = None
    # Called by create_app with the app it built, before it serves: instrument it, add middleware.
    configure_app: Callable[[FastAPI], None] | None = None


def merge_readiness_checks(
    builtin: Mapping[str, ReadinessCheck], features: Sequence[Feature]
) -> tuple[dict[str, ReadinessCheck], dict[str, ReadinessCheck]]:
    """(critical, non-critical) checks by name; a name is registered once across both."""
    critical = dict(builtin)
    noncritical: dict[str, ReadinessCheck] = {}
    for feature in features:
        for into, checks in (
            (critical, feature.readiness_checks),
            (noncritical, feature.noncritical_checks),
        ):
            for name, check in checks.items():
                # A silent overwrite would drop a check from /readyz.
                if name in critical or name in noncritical:
                    raise ValueError(f"readiness check {name!r} is registered twice")
                into[name] = check
    return critical, noncritical
