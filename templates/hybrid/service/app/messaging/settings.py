"""Broker and worker settings (AMQP_*, WORKER_*), read like app.core.config.Settings.

A separate class, so the starter's Settings stay as they are; the API validates it at start-up
through its feature (app/messaging/feature.py), the worker through its entry point.
"""

import os
import re
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.config import RELAXED_ENVIRONMENTS, Environment

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
# Becomes part of exchange and queue names: keep it to characters that need no quoting anywhere.
_NAMESPACE = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
# A retry later than this is a dead letter in disguise, and RabbitMQ caps expirations anyway.
MAX_RETRY_DELAY_MS = 24 * 60 * 60 * 1000


def cpu_count() -> int:
    # The CPUs this process may run on (a container's cpuset), not the machine's.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS and Windows


class MessagingSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # The same ENVIRONMENT as Settings: it decides whether AMQP_URL may default.
    environment: Environment = "development"
    amqp_url: SecretStr = SecretStr(DEFAULT_AMQP_URL)
    # Prefix for every exchange and queue name ("<ns>.jobs"); empty = no prefix.
    amqp_namespace: str = Field(default="", max_length=64)
    worker_prefetch: int = Field(default=16, ge=1, le=1000)
    # Empty = one per CPU.
    worker_processes: int | None = Field(default=None, ge=1, le=256)
    worker_max_attempts: int = Field(default=5, ge=1, le=30)
    worker_retry_base_ms: int = Field(default=1000, ge=1)
    # 0 picks a free port (tests); the worker_starting log line says which.
    worker_health_port: int = Field(default=8001, ge=0, le=65535)

    @field_validator("amqp_url")
    @classmethod
    def _amqp_scheme(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("amqp://", "amqps://")):
            raise ValueError("must start with amqp:// or amqps://")
        return value

    @field_validator("amqp_namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        if value and not _NAMESPACE.fullmatch(value):
            raise ValueError("letters, digits, '_' and '-', in parts separated by single dots")
        return value

    @field_validator("worker_processes", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # WORKER_PROCESSES= (as in .env.example) means "not set", not "invalid integer".
        return None if value == "" else value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.environment not in RELAXED_ENVIRONMENTS and "amqp_url" not in self.model_fields_set:
            raise ValueError(f"AMQP_URL must be set when ENVIRONMENT={self.environment}")
        longest = self.retry_delay_ms(self.worker_max_attempts - 1)
        if self.worker_max_attempts > 1 and longest > MAX_RETRY_DELAY_MS:
            raise ValueError(
                "WORKER_RETRY_BASE_MS * 2^(WORKER_MAX_ATTEMPTS - 2) must not exceed one day"
            )
        return self

    @property
    def process_count(self) -> int:
        return self.worker_processes or cpu_count()

    def retry_delay_ms(self, attempt: int) -> int:
        """How long the copy of a message that failed on `attempt` (1-based) waits in jobs.retry."""
        return int(self.worker_retry_base_ms * 2 ** max(attempt - 1, 0))
