"""The extension point (app/features.py): what a feature registers is wired into the app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import APIRouter, FastAPI
from pydantic_settings import BaseSettings

import app.__main__ as entry_point
from app.core.config import Settings
from app.core.features import Feature
from app.main import create_app
from tests.conftest import client_for, running


def make_feature(events: list[str], *, ready: bool = True, name: str = "extra") -> Feature:
    router = APIRouter()

    @router.get("/extra")
    async def extra() -> dict[str, str]:
        return {"feature": "extra"}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await app.state.db.ping()  # the database is already set up when hooks start
        events.append(f"{name} started")
        yield
        events.append(f"{name} stopped")

    async def check(app: FastAPI) -> None:
        if not ready:
            raise ConnectionError("extra dependency unreachable")

    return Feature(name=name, routers=[router], readiness_checks={name: check}, lifespan=lifespan)


async def test_feature_router_lifespan_and_readiness_are_wired(settings: Settings) -> None:
    events: list[str] = []
    app = create_app(settings, features=[make_feature(events)])
    async with running(app), client_for(app) as client:
        assert events == ["extra started"]
        assert (await client.get("/extra")).json() == {"feature": "extra"}
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get("/users")).status_code == 200  # the starter's routes stay
    assert events == ["extra started", "extra stopped"]


async def test_failing_feature_check_makes_readyz_503(settings: Settings) -> None:
    app = create_app(settings, features=[make_feature([], ready=False)])
    async with running(app), client_for(app) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable"}
        assert (await client.get("/healthz")).status_code == 200


async def test_hooks_stop_in_reverse_order(settings: Settings) -> None:
    events: list[str] = []
    features = [
        make_feature(events, name="first"),
        Feature(name="without hooks"),
        make_feature(events, name="second"),
    ]
    app = create_app(settings, features=features)
    async with running(app):
        pass
    assert events == ["first started", "second started", "second stopped", "first stopped"]


def test_a_readiness_check_name_is_registered_once(settings: Settings) -> None:
    with pytest.raises(ValueError, match="'database' is registered twice"):
        create_app(settings, features=[make_feature([], name="database")])


async def passing_check(app: FastAPI) -> None:
    return None


async def failing_check(app: FastAPI) -> None:
    raise ConnectionError("cache unreachable")


async def test_noncritical_checks_are_reported_without_deciding_readiness(
    settings: Settings,
) -> None:
    for check, status, state in (
        (passing_check, "ok", "ok"),
        (failing_check, "degraded", "unavailable"),
    ):
        feature = Feature(name="cache", noncritical_checks={"cache": check})
        app = create_app(settings, features=[feature])
        async with running(app), client_for(app) as client:
            response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"status": status, "checks": {"database": "ok", "cache": state}}


def test_a_check_name_is_registered_once_across_critical_and_noncritical(
    settings: Settings,
) -> None:
    twice = [
        Feature(name="a", readiness_checks={"cache": passing_check}),
        Feature(name="b", noncritical_checks={"cache": passing_check}),
    ]
    with pytest.raises(ValueError, match="'cache' is registered twice"):
        create_app(settings, features=twice)


class NeedsToken(BaseSettings):
    extra_token: str  # required: no default


def test_entry_point_validates_feature_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[str] = []
    monkeypatch.delenv("EXTRA_TOKEN", raising=False)
    monkeypatch.setattr(entry_point, "FEATURES", (Feature(name="x", settings=[NeedsToken]),))
    monkeypatch.setattr(entry_point, "serve", lambda app, **_: served.append(app))
    with pytest.raises(SystemExit) as info:
        entry_point.main()
    assert info.value.code == 2
    assert "EXTRA_TOKEN" in capsys.readouterr().err
    assert served == []

    monkeypatch.setenv("EXTRA_TOKEN", "t")
    entry_point.main()
    assert served == ["app.main:app"]
