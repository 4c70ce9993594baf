"""The service API with a real broker (AMQP_URL): ready once connected, closed at shutdown."""

import pytest

from app.core.config import Settings
from app.main import create_app
from tests.conftest import client_for, running
from tests.integration.conftest import eventually


async def test_readyz_turns_ready_once_the_broker_link_is_up(
    settings: Settings, amqp_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMQP_URL", amqp_url)
    app = create_app(settings)
    async with running(app), client_for(app) as client:

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready, what="/readyz 200", seconds=10)
        assert app.state.broker.is_connected
    assert app.state.broker.connection.is_closed
