"""The API's link to the broker: opened at start-up, part of /readyz, closed at shutdown."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.core.features import Feature
from app.messaging.connection import BrokerLink
from app.messaging.settings import MessagingSettings


class BrokerUnavailableError(Exception):
    pass


@asynccontextmanager
async def broker_lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = MessagingSettings()  # `python -m app` has validated it already
    link = BrokerLink(settings.amqp_url.get_secret_value(), role="api")
    app.state.broker = link
    link.start()
    try:
        yield
    finally:
        await link.close()


async def broker_ready(app: FastAPI) -> None:
    link: BrokerLink = app.state.broker
    if not link.is_connected:
        raise BrokerUnavailableError


BROKER = Feature(
    name="broker",
    lifespan=broker_lifespan,
    readiness_checks={"broker": broker_ready},
    settings=[MessagingSettings],
)
