"""Settings read from the environment (and a local .env file), validated once at startup."""

import re
import sys
from typing import Annotated, Literal, Self, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Environment = Literal["development", "test", "staging", "production"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]

# Environments where the built-in defaults (SQLite, a placeholder secret) are acceptable.
RELAXED_ENVIRONMENTS = frozenset({"development", "test"})
# Values copied from examples and tutorials. They are refused anywhere else.
PLACEHOLDER_SECRETS = frozenset(
    {"changethis", "changeme", "change-me", "change_me", "secret", "password", "dev", "test"}
)
MIN_SECRET_LENGTH = 32
PROBLEM_SEPARATOR = "\n"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./app.db"
SUPPORTED_DATABASE_SCHEMES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
# scheme://host[:port], no path: what browsers send in the Origin header.
_ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?")

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


class Settings(BaseSettings):
    # Environment variables are matched case-insensitively (DATABASE_URL -> database_url).
    # extra="ignore": .env may also hold variables for docker compose.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    environment: Environment = "development"
    # Where `python -m app` listens. Containers set HOST=0.0.0.0.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    secret_key: SecretStr = SecretStr("changethis")
    database_url: str = DEFAULT_DATABASE_URL
    db_pool_size: int = Field(default=5, ge=1, le=100)
    log_level: LogLevel = "INFO"
    log_json: bool = True
    # Comma-separated in the environment: CORS_ORIGINS=https://app.example.com,https://admin.example.com
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    rate_limit_enabled: bool = True
    # Requests per client IP and window: RATE_LIMIT_REQUESTS for writes (POST, PATCH, DELETE…),
    # RATE_LIMIT_READ_REQUESTS for GET/HEAD. Health probes are never limited.
    rate_limit_requests: int = Field(default=100, ge=1)
    rate_limit_read_requests: int = Field(default=1000, ge=1)
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    # The production server (app.core.server): request line + headers at most this size (431),
    # received within this time (408); idle kept-alive connections closed after keep_alive.
    max_header_bytes: int = Field(default=16_384, ge=1_024, le=1_048_576)
    header_timeout_seconds: float = Field(default=10, gt=0, le=300)
    keep_alive_timeout_seconds: int = Field(default=5, ge=1, le=300)
    # Reverse proxies whose X-Forwarded-For is trusted (comma-separated IPs/CIDRs, "*" for
    # any). Empty: none, so clients cannot pick their own IP for the logs and the rate limit.
    forwarded_allow_ips: str = ""
    docs_enabled: bool = True

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            bad = [o for o in value if not (isinstance(o, str) and _ORIGIN.fullmatch(o))]
            if bad:
                raise ValueError(
                    "each origin must look like https://app.example.com[:port] "
                    "(no wildcard, no path, no trailing slash)"
                )
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        # Accept the URLs hosting providers hand out and pick the async driver for them.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                value = "postgresql+asyncpg://" + value.removeprefix(prefix)
        if not value.startswith(SUPPORTED_DATABASE_SCHEMES):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @model_validator(mode="after")
    def _production_ready(self) -> Self:
        if self.environment in RELAXED_ENVIRONMENTS:
            return self
        problems = []
        secret = self.secret_key.get_secret_value()
        if secret.lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH:
            problems.append(
                f"SECRET_KEY must be a random value of at least {MIN_SECRET_LENGTH} characters "
                f"when ENVIRONMENT={self.environment}; generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if "database_url" not in self.model_fields_set:
            problems.append(f"DATABASE_URL must be set when ENVIRONMENT={self.environment}")
        if problems:
            # One message; format_settings_error prints one line per problem.
            raise ValueError(PROBLEM_SEPARATOR.join(problems))
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def format_settings_error(exc: ValidationError) -> str:
    """One line per invalid variable. Input values are left out: they may be secrets."""
    lines = ["Invalid configuration (environment variables or .env):"]
    for error in exc.errors(include_url=False, include_input=False):
        message = error["msg"].removeprefix("Value error, ")
        if error["loc"]:
            name = ".".join(str(part) for part in error["loc"]).upper()
            lines.append(f"  {name}: {message}")
        else:  # cross-field checks name their variables themselves
            lines.extend(f"  {problem}" for problem in message.split(PROBLEM_SEPARATOR))
    return "\n".join(lines)


def load_from_environment(settings_class: type[SettingsT]) -> SettingsT:
    """Settings for entry points: a clear message and exit status 2 instead of a traceback."""
    try:
        return settings_class()
    except ValidationError as exc:
        print(format_settings_error(exc), file=sys.stderr)
        raise SystemExit(2) from None


def load_settings() -> Settings:
    return load_from_environment(Settings)
