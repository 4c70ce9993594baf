"""Registry of optional features: routers, readiness checks, startup/shutdown hooks, settings.

create_app() wires every feature listed here (see app/core/features.py for what one can hold).
A feature that has ORM models imports them from the module that defines it, so importing this
registry puts their tables into Base.metadata: alembic/env.py imports it for autogenerate and
`alembic check`, and the tests' table clean-up sees them through create_app.

The hybrid service adds the broker link (part of /readyz), a schema check (/readyz fails until
`alembic upgrade head` has run) and the results API. The worker
(`python -m app.worker`) is a separate process and is not a feature of the API.
"""

from app.core.features import Feature
from app.messaging.feature import BROKER
from app.migration_state import SCHEMA
from app.results.feature import RESULTS

FEATURES: tuple[Feature, ...] = (SCHEMA, BROKER, RESULTS)
