import tomllib

from pydantic_settings import BaseSettings

from app.core.config import Settings
from app.features import FEATURES
from tests.conftest import PROJECT_ROOT


def test_dev_extra_and_dev_group_are_identical() -> None:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    extra = pyproject["project"]["optional-dependencies"]["dev"]
    group = pyproject["dependency-groups"]["dev"]
    assert sorted(extra) == sorted(group)


def test_env_example_documents_every_setting() -> None:
    text = (PROJECT_ROOT / ".env.example").read_text()
    documented = {
        line.split("=", 1)[0].strip()
        for line in text.splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    settings_classes: list[type[BaseSettings]] = [Settings]
    settings_classes += [cls for feature in FEATURES for cls in feature.settings]
    assert documented == {name.upper() for cls in settings_classes for name in cls.model_fields}
