"""Registry of optional features: routers, readiness checks, startup/shutdown hooks, settings.

create_app() wires every feature listed here (see app/core/features.py for what one can hold).
A feature that has ORM models imports them from the module that defines it, so importing this
registry puts their tables into Base.metadata: alembic/env.py imports it for autogenerate and
`alembic check`, and the tests' table clean-up sees them through create_app.
"""

from app.core.features import Feature

# slot: imports, sorted (features' imports join the block above in isort's order)

FEATURES: tuple[Feature, ...] = (
    # slot: features (create-polyglot-backend's features and `gen resource` list theirs above)
)
