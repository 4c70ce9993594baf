"""The API's broker link as a feature: /readyz follows the broker; start and stop never hang."""

import pytest
from fastapi import FastAPI

from app.core.config import Settings
from app.features import FEATURES
from app.main import create_app
from app.messaging.feature import BROKER
from tests.conftest import client_for, running

# Nothing listens on port 1: connection attempts fail at once and are retried in the background.
UNREACHABLE = "amqp://guest:guest@127.0.0.1:1/"


class ConnectedLink:
    is_connected = True


def test_the_service_registers_the_broker_feature() -> None:
    assert BROKER in FEATURES


async def test_readyz_is_503_while_the_broker_is_unreachable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMQP_URL", UNREACHABLE)
    app: FastAPI = create_app(settings)
    async with running(app), client_for(app) as client:
        response = await client.get("/readyz")
        assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
        assert (await client.get("/healthz")).status_code == 200
        assert not app.state.broker.is_connected

        app.state.broker = ConnectedLink()  # the only thing readiness asks of the link
        assert (await client.get("/readyz")).status_code == 200
