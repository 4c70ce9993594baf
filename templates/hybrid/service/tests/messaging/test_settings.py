import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from app.core.config import format_settings_error
from app.messaging.settings import DEFAULT_AMQP_URL, MessagingSettings, cpu_count
from tests.conftest import PROJECT_ROOT

BROKER = "amqp://app:s3cret@rabbitmq:5672/"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tests are about defaults and validation; the shell's variables must not leak in.
    for name in MessagingSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def settings(**values: object) -> MessagingSettings:
    return MessagingSettings(_env_file=None, **values)  # type: ignore[arg-type]


def test_development_defaults() -> None:
    s = settings()
    assert s.amqp_url.get_secret_value() == DEFAULT_AMQP_URL
    assert s.amqp_namespace == ""
    assert (s.worker_prefetch, s.worker_max_attempts, s.worker_retry_base_ms) == (16, 5, 1000)
    assert s.worker_health_port == 8001
    assert s.process_count == cpu_count() >= 1


def test_production_requires_amqp_url() -> None:
    with pytest.raises(ValidationError) as info:
        settings(environment="production")
    assert "AMQP_URL must be set when ENVIRONMENT=production" in format_settings_error(info.value)
    assert settings(environment="production", amqp_url=BROKER).amqp_url.get_secret_value() == BROKER


def test_the_url_is_never_printed() -> None:
    s = settings(amqp_url=BROKER)
    assert "s3cret" not in repr(s)
    with pytest.raises(ValidationError) as info:
        settings(amqp_url="http://app:s3cret@rabbitmq/")
    message = format_settings_error(info.value)
    assert "AMQP_URL: must start with amqp:// or amqps://" in message
    assert "s3cret" not in message


@pytest.mark.parametrize("namespace", ["e2e", "ci.run-42", "a_b"])
def test_namespace_accepts_name_like_values(namespace: str) -> None:
    assert settings(amqp_namespace=namespace).amqp_namespace == namespace


@pytest.mark.parametrize("namespace", ["a b", "a..b", ".a", "a.", "x/y", "a" * 65])
def test_namespace_refuses_the_rest(namespace: str) -> None:
    with pytest.raises(ValidationError, match="amqp_namespace"):
        settings(amqp_namespace=namespace)


def test_worker_processes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKER_PROCESSES", "")  # as in .env.example: one per CPU
    assert settings().process_count == cpu_count()
    monkeypatch.setenv("WORKER_PROCESSES", "3")
    assert settings().process_count == 3
    monkeypatch.setenv("WORKER_PROCESSES", "0")
    with pytest.raises(ValidationError):
        settings()


def test_retry_delays_double_from_the_base() -> None:
    s = settings(worker_retry_base_ms=250)
    assert [s.retry_delay_ms(attempt) for attempt in (1, 2, 3, 4)] == [250, 500, 1000, 2000]


def test_retry_delays_are_capped_at_a_day() -> None:
    with pytest.raises(ValidationError, match="must not exceed one day"):
        settings(worker_retry_base_ms=60_000, worker_max_attempts=15)
    # a single attempt never waits, whatever the base
    assert settings(worker_retry_base_ms=10**12, worker_max_attempts=1).worker_max_attempts == 1


@pytest.mark.parametrize("module", ["app", "app.worker"])
def test_entry_points_refuse_to_start_without_amqp_url_in_production(module: str) -> None:
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "SECRET_KEY": "s" * 16 + "A1b2C3d4E5f6G7h8",
        "DATABASE_URL": "postgresql+asyncpg://app:pw@db:5432/app",
    }
    env.pop("AMQP_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", module],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "AMQP_URL must be set when ENVIRONMENT=production" in result.stderr
