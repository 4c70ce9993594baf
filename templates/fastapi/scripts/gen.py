"""Resource generator: `uv run python -m scripts.gen resource <name>` (standard library only).

Adds app/<package>/ (SQLAlchemy model, Pydantic schemas, repository, service, router, feature),
an Alembic migration chained onto the current head, tests, and registers the feature in
app/features.py. Every check runs before the first file is written: a refused name, a resource
that exists already or an unexpected app/features.py writes nothing and exits with status 1.
"""

import argparse
import ast
import importlib.util
import keyword
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from string import Template

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates" / "resource"
FEATURES_FILE = "app/features.py"
VERSIONS_DIR = "alembic/versions"

# Plural words, lowercase, joined by single hyphens: orders, line-items.
_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*")
MAX_NAME_LENGTH = 40  # table and constraint names stay well under PostgreSQL's 63 characters
_IRREGULAR = {
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "mice": "mouse",
    "geese": "goose",
    "teeth": "tooth",
    "feet": "foot",
    "indices": "index",
    "matrices": "matrix",
    "vertices": "vertex",
    "analyses": "analysis",
    "statuses": "status",
    "aliases": "alias",
    "buses": "bus",
}
# Class names the generated modules import or that the app already defines.
_RESERVED_CLASSES = frozenset(
    {
        "Annotated", "Any", "Base", "Depends", "ErrorMessage", "Feature", "Mapped", "None",
        "Query", "Response", "Sequence", "String", "Uuid", "UTCDateTime",
    }
)  # fmt: skip
_FEATURES_TUPLE = re.compile(r"(FEATURES\s*:[^=\n]*=\s*\()([^)]*)(\))")
# The marker line create-polyglot-backend's features also add above (group 1: its indent).
_FEATURES_SLOT = re.compile(r"^([ \t]*)# slot: features\b", re.MULTILINE)


class GeneratorError(Exception):
    """A refusal: printed without a traceback, exit status 1, nothing written."""


@dataclass(frozen=True)
class Names:
    name: str  # line-items: URL path and OpenAPI tag
    package: str  # line_items: app/line_items/, tests/line_items/
    table: str  # line_items
    singular: str  # line_item
    class_name: str  # LineItem
    constant: str  # LINE_ITEMS: the Feature in app/features.py
    human_plural: str  # line items
    human_singular: str  # line item

    @property
    def title_singular(self) -> str:
        return self.human_singular[:1].upper() + self.human_singular[1:]

    def substitutions(self) -> dict[str, str]:
        return {
            "name": self.name,
            "package": self.package,
            "table": self.table,
            "singular": self.singular,
            "Singular": self.class_name,
            "CONSTANT": self.constant,
            "human_plural": self.human_plural,
            "human_singular": self.human_singular,
            "Title_singular": self.title_singular,
        }


def singularize(word: str) -> str | None:
    """The singular of an English plural, or None if the word does not look like one."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if re.search(r"[^aeiou]ies$", word):
        return word[:-3] + "y"
    if re.search(r"(ss|sh|ch|x|z)es$", word):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return None
    if word.endswith("s") and len(word) > 2:
        return word[:-1]
    return None


def resource_names(raw: str) -> Names:
    name = raw.strip()
    if not name:
        raise GeneratorError(
            "Give the resource name, e.g.: uv run python -m scripts.gen resource orders"
        )
    if len(name) > MAX_NAME_LENGTH or not _NAME.fullmatch(name):
        raise GeneratorError(
            f'"{name}" is not a valid resource name: use lowercase letters and digits, words '
            f"joined by single hyphens, at most {MAX_NAME_LENGTH} characters "
            "(e.g. orders, line-items)."
        )
    words = name.split("-")
    singular_last = singularize(words[-1])
    if singular_last is None:
        raise GeneratorError(
            f'"{name}" should be a plural noun (e.g. orders, line-items, categories): '
            f'"{words[-1]}" does not look like one.'
        )
    singular_words = [*words[:-1], singular_last]
    package = "_".join(words)
    singular = "_".join(singular_words)
    class_name = "".join(word.capitalize() for word in singular_words)
    if keyword.iskeyword(package) or keyword.iskeyword(singular) or class_name in _RESERVED_CLASSES:
        raise GeneratorError(
            f'"{name}" is reserved (its names would clash with Python or the app).'
        )
    return Names(
        name=name,
        package=package,
        table=package,
        singular=singular,
        class_name=class_name,
        constant=package.upper(),
        human_plural=" ".join(words),
        human_singular=" ".join(singular_words),
    )


def _read(root: Path, relative: str) -> str:
    return (root / relative).read_text(encoding="utf-8")


def find_conflicts(root: Path, names: Names) -> list[str]:
    """Why this resource cannot be added (an empty list: it can)."""
    found = [
        f"{path} exists"
        for path in (
            f"app/{names.package}",
            f"app/{names.package}.py",
            f"app/api/routes/{names.package}.py",
            f"tests/{names.package}",
        )
        if (root / path).exists()
    ]
    tablename = re.compile(rf"__tablename__\s*=\s*['\"]{re.escape(names.table)}['\"]")
    class_def = re.compile(rf"^class {re.escape(names.class_name)}\b", re.MULTILINE)
    for path in sorted((root / "app").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(root).as_posix()
        if tablename.search(text):
            found.append(f'{relative} already maps a model to the table "{names.table}"')
        if path.name == "models.py" and class_def.search(text):
            found.append(f"{relative} already defines {names.class_name}")
    create_table = re.compile(rf"create_table\(\s*['\"]{re.escape(names.table)}['\"]")
    found.extend(
        f'{path.relative_to(root).as_posix()} already creates "{names.table}"'
        for path in sorted((root / VERSIONS_DIR).glob("*.py"))
        if create_table.search(path.read_text(encoding="utf-8"))
    )
    features = _read(root, FEATURES_FILE)
    if re.search(rf"\b{names.constant}\b", features):
        found.append(f"{FEATURES_FILE} already mentions {names.constant}")
    return found


def _assigned_strings(tree: ast.Module, target: str) -> list[str]:
    """The string(s) assigned to a top-level name: "a" -> [a], ("a", "b") -> [a, b], None -> []."""
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == target for t in targets):
                values = (
                    node.value.elts
                    if isinstance(node.value, ast.Tuple | ast.List)
                    else [node.value]
                )
                return [
                    v.value
                    for v in values
                    if isinstance(v, ast.Constant) and isinstance(v.value, str)
                ]
    return []


def migration_head(root: Path) -> tuple[str | None, str]:
    """(current head revision or None, next revision id). Refuses histories with several heads."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (root / VERSIONS_DIR).glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        revision = _assigned_strings(tree, "revision")
        if not revision:
            continue
        revisions.update(revision)
        parents.update(_assigned_strings(tree, "down_revision"))  # a merge revision has several
    heads = sorted(revisions - parents)
    if len(heads) > 1:
        raise GeneratorError(
            f"Alembic has several heads ({', '.join(heads)}); merge them first "
            "(uv run alembic merge heads)."
        )
    numeric = [int(r) for r in revisions if r.isdigit()]
    if len(numeric) == len(revisions):
        width = max((len(r) for r in revisions), default=4)
        next_revision = str(max(numeric, default=0) + 1).zfill(width)
    else:  # revisions made by `alembic revision` are random hex: keep to that style
        next_revision = datetime.now(UTC).strftime("%y%m%d%H%M%S")
    return (heads[0] if heads else None), next_revision


def register_feature(source: str, names: Names) -> str:
    match = _FEATURES_TUPLE.search(source)
    if match is None:
        raise GeneratorError(
            f"{FEATURES_FILE}: cannot find `FEATURES: tuple[Feature, ...] = (...)`; "
            "register the feature by hand."
        )
    body = match.group(2)
    slot = _FEATURES_SLOT.search(body)
    if slot is not None:
        # The starter's layout: one entry per line, new ones just above the slot marker.
        listed = f"{body[: slot.start()]}{slot.group(1)}{names.constant},\n{body[slot.start() :]}"
    else:  # a registry written by hand: entries are code, never comments
        items = [item.strip() for item in body.split(",") if item.strip()]
        items.append(names.constant)
        listed = f"{items[0]}," if len(items) == 1 else ", ".join(items)
    source = source[: match.start(2)] + listed + source[match.end(2) :]
    # The import goes after the last top-level import (which may span several lines); tidy()
    # sorts it into place.
    tree = ast.parse(source)
    last_import = max(
        (n.end_lineno or n.lineno for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)),
        default=0,
    )
    lines = source.split("\n")
    lines.insert(last_import, f"from app.{names.package}.feature import {names.constant}")
    return "\n".join(lines)


def _render(template: str, values: dict[str, str]) -> str:
    return Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)


def plan(root: Path, names: Names, now: datetime) -> tuple[dict[str, str], dict[str, str]]:
    """(new files, changed files): relative path -> content. Raises GeneratorError."""
    conflicts = find_conflicts(root, names)
    if conflicts:
        raise GeneratorError(
            f'Resource "{names.name}" already exists: {"; ".join(conflicts)}. Nothing was written.'
        )
    down_revision, revision = migration_head(root)
    values = {
        **names.substitutions(),
        "revision": revision,
        "down_revision": "None" if down_revision is None else f'"{down_revision}"',
        "down_revision_doc": down_revision or "",
        "create_date": now.strftime("%Y-%m-%d %H:%M:%S+00:00"),
    }
    package = f"app/{names.package}"
    tests = f"tests/{names.package}"
    migration = f"{VERSIONS_DIR}/{now:%Y%m%d_%H%M}_{revision}_create_{names.table}.py"
    new_files = {
        f"{package}/__init__.py": _render("__init__.py.tmpl", values),
        f"{package}/models.py": _render("models.py.tmpl", values),
        f"{package}/schemas.py": _render("schemas.py.tmpl", values),
        f"{package}/repository.py": _render("repository.py.tmpl", values),
        f"{package}/service.py": _render("service.py.tmpl", values),
        f"{package}/router.py": _render("router.py.tmpl", values),
        f"{package}/feature.py": _render("feature.py.tmpl", values),
        migration: _render("migration.py.tmpl", values),
        f"{tests}/__init__.py": "",
        f"{tests}/test_router.py": _render("test_router.py.tmpl", values),
        f"{tests}/test_service.py": _render("test_service.py.tmpl", values),
    }
    for path in new_files:
        if (root / path).exists():
            raise GeneratorError(f"{path} exists already. Nothing was written.")
    changed = {FEATURES_FILE: register_feature(_read(root, FEATURES_FILE), names)}
    return new_files, changed


def write(root: Path, new_files: dict[str, str], changed: dict[str, str]) -> None:
    """Writes everything or, if a write fails, removes what it wrote and restores the rest."""
    originals = {path: _read(root, path) for path in changed}
    created: list[Path] = []
    made_dirs: list[Path] = []
    try:
        for relative, content in new_files.items():
            path = root / relative
            missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.extend(reversed(missing))
            with path.open("x", encoding="utf-8") as file:  # "x": never overwrite
                created.append(path)
                file.write(content)
        for relative, content in changed.items():
            (root / relative).write_text(content, encoding="utf-8")
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        for directory in reversed(made_dirs):
            if directory.exists() and not any(directory.iterdir()):
                directory.rmdir()
        for relative, content in originals.items():
            (root / relative).write_text(content, encoding="utf-8")
        raise


def tidy(root: Path, paths: list[str]) -> None:
    """Sorts imports and formats the new files with ruff, as alembic.ini's hooks do."""
    if importlib.util.find_spec("ruff") is None:
        print("ruff is not installed: run `uv run ruff check --fix . && uv run ruff format .`")
        return
    for args in (["check", "--fix-only", "--quiet"], ["format", "--quiet"]):
        subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [sys.executable, "-m", "ruff", *args, *paths], cwd=root, check=True
        )


def generate_resource(root: Path, raw_name: str, now: datetime | None = None) -> list[str]:
    names = resource_names(raw_name)
    new_files, changed = plan(root, names, now or datetime.now(UTC))
    write(root, new_files, changed)
    written = [*new_files, *changed]
    tidy(root, [p for p in written if p.endswith(".py")])
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.gen",
        description="Generate code for this project.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    resource = commands.add_parser(
        "resource",
        help="a CRUD resource: model, migration, schemas, repository, service, router, tests",
    )
    resource.add_argument("name", help="plural, lowercase, hyphenated: orders, line-items")
    args = parser.parse_args(argv)
    try:
        written = generate_resource(PROJECT_ROOT, args.name)
    except GeneratorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"  {'changed' if path == FEATURES_FILE else 'created'}  {path}")
    print("Next: uv run pytest (the tests apply the migrations); uv run alembic upgrade head")
    return 0


if __name__ == "__main__":
    sys.exit(main())
