from alembic import command

from tests.conftest import alembic_config


def test_migrations_round_trip_and_match_the_models(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    # Fails when app/models.py has changes no migration covers.
    command.check(config)
