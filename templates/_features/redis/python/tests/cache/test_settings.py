"""REDIS_URL and CACHE_*: defaults for development, refusals a user can act on."""

from typing import Any

import pytest
from pydantic import ValidationError

from app.cache.settings import DEFAULT_KEY_PREFIX, DEFAULT_REDIS_URL, CacheSettings


@pytest.fixture(autouse=True)
def no_cache_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # CI sets REDIS_URL for the Redis tests; these test the defaults.
    for name in ("ENVIRONMENT", "REDIS_URL", "CACHE_TTL_SECONDS", "CACHE_KEY_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CACHE_TIMEOUT_MS", raising=False)


def settings(**values: Any) -> CacheSettings:
    # _env_file=None: a developer's .env must not change what the tests test.
    return CacheSettings(_env_file=None, **values)


def test_development_defaults() -> None:
    cache = settings(environment="development")
    assert cache.redis_url.get_secret_value() == DEFAULT_REDIS_URL
    assert cache.cache_key_prefix == DEFAULT_KEY_PREFIX
    assert DEFAULT_KEY_PREFIX.endswith(":")
    assert cache.cache_ttl_seconds == 60
    assert cache.timeout_seconds == 0.25


def test_production_requires_redis_url() -> None:
    with pytest.raises(ValidationError, match="REDIS_URL must be set when ENVIRONMENT=production"):
        settings(environment="production")
    url = "rediss://:secret@cache.internal:6380/1"
    assert settings(environment="production", redis_url=url).redis_url.get_secret_value() == url


def test_the_url_is_a_secret() -> None:
    cache = settings(redis_url="redis://:hunter2@127.0.0.1:6379/0")
    assert "hunter2" not in repr(cache)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("redis_url", "http://127.0.0.1:6379", "must start with redis:// or rediss://"),
        ("cache_key_prefix", "my app:", "must not be empty, nor hold spaces"),
        ("cache_key_prefix", "app*:", "glob characters"),
        ("cache_key_prefix", "", "must not be empty"),
        ("cache_ttl_seconds", 0, "greater than or equal to 1"),
        ("cache_timeout_ms", 5, "greater than or equal to 10"),
    ],
)
def test_bad_values_are_refused_with_the_reason(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        settings(**{field: value})
