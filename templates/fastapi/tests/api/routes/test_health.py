from pathlib import Path

from httpx import AsyncClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import client_for, make_settings, running


async def test_healthz(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# features=(): these are the checks the starter itself makes; a feature's own readiness checks
# (app/features.py) are tested with that feature.
async def test_readyz_when_database_is_up(settings: Settings) -> None:
    app = create_app(settings, features=())
    async with running(app), client_for(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_503_when_database_is_down(tmp_path: Path) -> None:
    # A SQLite file in a directory that does not exist cannot be opened.
    unreachable = f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'db.sqlite'}"
    app = create_app(make_settings(unreachable), features=())
    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable"}
        # liveness does not depend on the database
        assert (await client.get("/healthz")).status_code == 200
