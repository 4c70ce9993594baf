"""Request and response bodies. Input models are strict and reject unknown fields."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

# strict: no silent coercion ("true" -> True, 1 -> True); extra="forbid": a typo in a field
# name is an error instead of being ignored.
_INPUT = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)

FullName = Annotated[str, Field(min_length=1, max_length=200)]


def _normalize_email(value: str) -> str:
    # Addresses are compared case-insensitively in practice; store one spelling so the
    # unique constraint catches Alice@x and alice@x.
    return value.lower()


class UserCreate(BaseModel):
    model_config = _INPUT

    email: EmailStr
    full_name: FullName
    is_active: bool = True

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _normalize_email(value)


class UserUpdate(BaseModel):
    """PATCH body: only the fields sent are changed; null is not a value any field takes."""

    model_config = _INPUT

    email: EmailStr | None = None
    full_name: FullName | None = None
    is_active: bool | None = None

    @field_validator("email", "full_name", "is_active")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be omitted but not null")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else _normalize_email(value)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class UserPage(BaseModel):
    items: list[UserRead]
    total: int
    limit: int
    offset: int


class Status(BaseModel):
    status: str


class ErrorMessage(BaseModel):
    detail: str
