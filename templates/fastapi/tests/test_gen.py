"""scripts/gen.py on a small stand-in project: names, refusals, registration, atomic writes.

The stand-in (not a copy of this project) keeps these tests independent of the resources that were
generated here already.
"""

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scripts import gen

NOW = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)

FEATURES = """from app.core.features import Feature

FEATURES: tuple[Feature, ...] = ()
"""
FIRST_MIGRATION = """from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("users", sa.Column("id", sa.Uuid(), nullable=False))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app" / "services").mkdir(parents=True)
    (tmp_path / "app" / "features.py").write_text(FEATURES)
    (tmp_path / "app" / "models.py").write_text('class User(Base):\n    __tablename__ = "users"\n')
    (tmp_path / "alembic" / "versions").mkdir(parents=True)
    (tmp_path / "alembic" / "versions" / "20250101_0000_0001_create_users.py").write_text(
        FIRST_MIGRATION
    )
    (tmp_path / "tests").mkdir()
    return tmp_path


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("name", "package", "class_name", "constant"),
    [
        ("orders", "orders", "Order", "ORDERS"),
        ("line-items", "line_items", "LineItem", "LINE_ITEMS"),
        ("categories", "categories", "Category", "CATEGORIES"),
        ("boxes", "boxes", "Box", "BOXES"),
        ("people", "people", "Person", "PEOPLE"),
    ],
)
def test_names(name: str, package: str, class_name: str, constant: str) -> None:
    names = gen.resource_names(name)
    assert (names.package, names.table, names.class_name, names.constant) == (
        package,
        package,
        class_name,
        constant,
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the resource name"),
        ("Orders", "not a valid resource name"),
        ("line_items", "not a valid resource name"),
        ("line--items", "not a valid resource name"),
        ("2fas", "not a valid resource name"),
        ("x" * 41 + "s", "not a valid resource name"),
        ("order", "should be a plural noun"),
        ("status", "should be a plural noun"),
        ("classes", "reserved"),
        ("strings", "reserved"),
    ],
)
def test_bad_names_are_refused(name: str, message: str) -> None:
    with pytest.raises(gen.GeneratorError, match=message):
        gen.resource_names(name)


def test_generates_chains_and_registers(project: Path) -> None:
    gen.generate_resource(project, "orders", now=NOW)
    written = gen.generate_resource(project, "line-items", now=NOW)
    assert "app/line_items/models.py" in written
    assert "tests/line_items/test_router.py" in written
    versions = project / "alembic" / "versions"
    migration = (versions / "20300102_0304_0003_create_line_items.py").read_text()
    assert 'revision: str = "0003"' in migration
    assert 'down_revision: str | Sequence[str] | None = "0002"' in migration
    assert (versions / "20300102_0304_0002_create_orders.py").exists()
    features = (project / "app" / "features.py").read_text()
    assert "from app.line_items.feature import LINE_ITEMS" in features
    assert "FEATURES: tuple[Feature, ...] = (ORDERS, LINE_ITEMS)" in features
    compile(features, "features.py", "exec")


def test_the_starters_registry_gets_one_entry_per_line_above_its_slot() -> None:
    starter = (
        "from app.core.features import Feature\n\n# slot: imports, sorted\n\n"
        "FEATURES: tuple[Feature, ...] = (\n    # slot: features (`gen resource` adds here)\n)\n"
    )
    once = gen.register_feature(starter, gen.resource_names("orders"))
    twice = gen.register_feature(once, gen.resource_names("line-items"))
    assert "    ORDERS,\n    LINE_ITEMS,\n    # slot: features" in twice
    registry = next(
        node.value
        for node in ast.parse(twice).body
        if isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Tuple)
    )
    assert isinstance(registry, ast.Tuple)
    names = [elt.id for elt in registry.elts if isinstance(elt, ast.Name)]
    assert names[-2:] == ["ORDERS", "LINE_ITEMS"]


def test_existing_resources_are_refused_and_nothing_changes(project: Path) -> None:
    gen.generate_resource(project, "orders", now=NOW)
    before = tree(project)
    for name in ("orders", "users", "services"):
        with pytest.raises(gen.GeneratorError, match="already exists"):
            gen.generate_resource(project, name, now=NOW)
    assert tree(project) == before


def test_several_alembic_heads_are_refused(project: Path) -> None:
    source = next((project / "alembic" / "versions").glob("*_0001_*.py")).read_text()
    (project / "alembic" / "versions" / "branch.py").write_text(
        source.replace('revision: str = "0001"', 'revision: str = "0099"')
    )
    before = tree(project)
    with pytest.raises(gen.GeneratorError, match="several heads"):
        gen.generate_resource(project, "orders", now=NOW)
    assert tree(project) == before


def test_a_merge_revision_is_the_head_it_chains_onto(project: Path) -> None:
    versions = project / "alembic" / "versions"
    source = next(versions.glob("*_0001_*.py")).read_text()
    (versions / "branch.py").write_text(
        source.replace('revision: str = "0001"', 'revision: str = "0002"')
    )
    merge = source.replace('revision: str = "0001"', 'revision: str = "0003"')
    (versions / "merge.py").write_text(
        merge.replace("= None\nbranch_labels", '= ("0001", "0002")\nbranch_labels', 1)
    )
    gen.generate_resource(project, "orders", now=NOW)
    migration = (versions / "20300102_0304_0004_create_orders.py").read_text()
    assert 'down_revision: str | Sequence[str] | None = "0003"' in migration


def test_a_failed_write_is_undone(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree(project)
    real_open = Path.open
    opened: list[Path] = []

    def failing_open(self: Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        if "x" in mode:
            opened.append(self)
            if len(opened) == 4:
                raise OSError("disk full")
        return real_open(self, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", failing_open)
    with pytest.raises(OSError, match="disk full"):
        gen.generate_resource(project, "orders", now=NOW)
    assert len(opened) == 4
    assert tree(project) == before
    assert not (project / "app" / "orders").exists()


def test_main_exits_1_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert gen.main(["resource", "Orders"]) == 1
    assert '"Orders" is not a valid resource name' in capsys.readouterr().err
