"""contracts/examples through the generated Pydantic models, as the gateway's tests do with Zod:
every valid example parses, every invalid one is rejected."""

import json
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from app.contracts import generated
from tests.conftest import PROJECT_ROOT

CONTRACTS = PROJECT_ROOT.parent / "contracts"


def examples(kind: str) -> list[Path]:
    return sorted((CONTRACTS / "examples" / kind).glob("*.json"))


def model_for(example: Path) -> type[BaseModel]:
    # <schema>.<case>.json is checked against schemas/<schema>.schema.json, whose title is the
    # generated name.
    schema = CONTRACTS / "schemas" / f"{example.name.split('.', 1)[0]}.schema.json"
    title = json.loads(schema.read_text())["title"]
    model = getattr(generated, title)
    assert isinstance(model, type)
    assert issubclass(model, BaseModel)
    return model


def test_there_are_examples_of_both_kinds() -> None:
    # Guards the parametrized tests below against silently running zero cases.
    assert examples("valid")
    assert examples("invalid")


@pytest.mark.parametrize("example", examples("valid"), ids=lambda p: p.name)
def test_valid_example_parses_and_round_trips(example: Path) -> None:
    model = model_for(example)
    body = example.read_text()
    parsed = model.model_validate_json(body, by_name=False)
    # What the service publishes is what it reads: camelCase keys, the same values.
    dumped = parsed.model_dump_json()
    assert json.loads(dumped).keys() == json.loads(body).keys()
    assert model.model_validate_json(dumped, by_name=False) == parsed


@pytest.mark.parametrize("example", examples("invalid"), ids=lambda p: p.name)
def test_invalid_example_is_rejected(example: Path) -> None:
    with pytest.raises(ValidationError):
        model_for(example).model_validate_json(example.read_text(), by_name=False)
