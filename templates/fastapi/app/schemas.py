"""Request and response bodies. Input models are strict and reject unknown fields."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

# strict: no silent coercion ("true" -> True, 1 -> True); extra="forbid": a typo in a field
# name is an error instead of being ignored.
_INPUT = ConfigDict(extra="forbid", strict=True)

# Control characters are refused in text: PostgreSQL cannot store NUL (the insert would fail with
# a 500) and the others corrupt logs and terminals. The rule is a pattern, not a validator, so
# the OpenAPI document states it and clients (and fuzzers) see the contract that is enforced.
_CONTROLS = r"\u0000-\u001f\u007f-\u009f"
_CONTROLS_BUT_TAB_AND_BREAKS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
# What str.strip() removes, besides the controls above.
_SPACES = r"\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
SINGLE_LINE = rf"^[^{_CONTROLS}]*[^{_CONTROLS}{_SPACES}][^{_CONTROLS}]*$"
MULTI_LINE = rf"^[^{_CONTROLS_BUT_TAB_AND_BREAKS}]*$"


def single_line_text(max_length: int) -> object:
    """A one-line text field: at most max_length characters, not blank, no control characters.

    Checked as sent (so the documented pattern and maxLength are exactly what is enforced),
    then stripped.
    """
    return Field(max_length=max_length, pattern=SINGLE_LINE)


def multi_line_text(max_length: int) -> object:
    """Free text: at most max_length characters; tab and line breaks allowed, no other controls."""
    return Field(max_length=max_length, pattern=MULTI_LINE)


# After the pattern and length checks, which apply to the text as sent.
Stripped = AfterValidator(str.strip)

Name = Annotated[str, single_line_text(100), Stripped]

# A practical address: dot-atom local part, host name with at least one dot, ASCII only. A
# pattern rather than EmailStr (whose checks, such as refusing .test domains, no schema can
# state), so the OpenAPI document says exactly what is accepted, as in the Express starter.
EMAIL = (
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def _email(value: str) -> str:
    # Part of what `format: email` means (RFC 5321), but more than a pattern can say.
    if value.index("@") > 64:
        raise ValueError("the part before @ must be at most 64 characters")
    # Stored lower-case: addresses are compared case-insensitively in practice, and one
    # spelling lets the unique constraint catch Alice@x and alice@x.
    return value.lower()


Email = Annotated[
    str,
    Field(
        max_length=254,
        pattern=EMAIL,
        json_schema_extra={"format": "email"},
        examples=["ada@example.com"],
    ),
    AfterValidator(_email),
]


class UserCreate(BaseModel):
    model_config = _INPUT

    email: Email
    name: Name
    is_active: bool = True


def omittable() -> Any:
    """A PATCH field: may be left out (it then keeps its value) but, when sent, is validated as
    its type, so null is refused. Not `X | None`, which would document null as allowed; use
    with PATCH_INPUT, which keeps the placeholder default out of the schema."""
    return Field(default=None)


def _without_defaults(schema: dict[str, Any]) -> None:
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


PATCH_INPUT = ConfigDict(**_INPUT, json_schema_extra=_without_defaults)


# PATCH semantics as in JSON Merge Patch (RFC 7396); no field of a user can be null.
class UserUpdate(BaseModel):
    """Fields to change; omitted fields keep their value, an empty object changes nothing."""

    model_config = PATCH_INPUT

    email: Email = omittable()
    name: Name = omittable()
    is_active: bool = omittable()


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
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


CheckState = Literal["ok", "unavailable"]


class Readiness(Status):
    """/readyz when ready. With non-critical dependencies (a cache), `checks` names every
    check: while a non-critical one is unavailable, status is "degraded" and the instance
    stays in rotation."""

    checks: dict[str, CheckState] | SkipJsonSchema[None] = None


class FieldError(BaseModel):
    """One invalid input of a 422 problem."""

    location: Literal["path", "query", "header", "body"]
    path: str = Field(description='Dotted path inside that location ("email"); "" = all of it')
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details: the body of every error answer (application/problem+json).

    `type` stays about:blank, so `title` is the status's standard phrase; `errors` is set on 422.
    """

    type: str = Field(examples=["about:blank"])
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | SkipJsonSchema[None] = None
    instance: str | SkipJsonSchema[None] = Field(default=None, description="The request path")
    errors: list[FieldError] | SkipJsonSchema[None] = None


# The name routers used before problem details; kept so they keep working unchanged.
ErrorMessage = Problem
