import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from app.core.config import Settings, format_settings_error
from tests.conftest import PROJECT_ROOT

STRONG_SECRET = "s" * 16 + "A1b2C3d4E5f6G7h8"
PG_URL = "postgresql+asyncpg://app:pw@db:5432/app"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tests are about defaults and validation; the shell's variables must not leak in.
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_development_defaults_need_no_configuration() -> None:
    s = settings()
    assert s.environment == "development"
    assert s.database_url.startswith("sqlite+aiosqlite://")
    assert s.cors_origins == ()


@pytest.mark.parametrize("secret", ["changethis", "CHANGETHIS", "tooShort-9f8e"])
def test_production_refuses_placeholder_secrets(secret: str) -> None:
    with pytest.raises(ValidationError) as info:
        settings(environment="production", secret_key=secret, database_url=PG_URL)
    message = format_settings_error(info.value)
    assert "SECRET_KEY" in message
    assert secret not in message.replace("SECRET_KEY", "")


def test_production_requires_an_explicit_database_url() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL must be set"):
        settings(environment="production", secret_key=STRONG_SECRET)


def test_production_accepts_real_values() -> None:
    s = settings(environment="production", secret_key=STRONG_SECRET, database_url=PG_URL)
    assert s.is_production


def test_database_url_gets_the_async_driver() -> None:
    assert settings(database_url="postgres://u:p@h/db").database_url == (
        "postgresql+asyncpg://u:p@h/db"
    )
    with pytest.raises(ValidationError, match=r"sqlite\+aiosqlite://"):
        settings(database_url="mysql://u:p@h/db")


def test_cors_origins_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example.com, http://localhost:3000")
    assert settings().cors_origins == ("https://a.example.com", "http://localhost:3000")
    for bad in ("*", "https://a.example.com/", "a.example.com"):
        monkeypatch.setenv("CORS_ORIGINS", bad)
        with pytest.raises(ValidationError):
            settings()


def test_log_level_is_case_insensitive() -> None:
    assert settings(log_level="debug").log_level == "DEBUG"


@pytest.mark.parametrize(
    ("variables", "expected", "secret_value"),
    [
        ({"RATE_LIMIT_REQUESTS": "zero"}, "RATE_LIMIT_REQUESTS:", "zero"),
        ({"SECRET_KEY": "changethis"}, "SECRET_KEY must be", "changethis"),
    ],
)
def test_entry_point_prints_each_bad_variable_without_traceback(
    variables: dict[str, str], expected: str, secret_value: str
) -> None:
    env = {**os.environ, "ENVIRONMENT": "production", **variables}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert expected in result.stderr
    assert secret_value not in result.stderr.replace(expected, "")
