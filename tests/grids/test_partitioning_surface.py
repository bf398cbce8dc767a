"""The Django side uses the partitioner through its public surface only: no module of
``grids/`` outside ``grids/partitioning/`` imports an underscored name (or module) of it,
the editor imports from the package itself (what ``grids.partitioning.__all__`` offers),
and the pure library never imports Django. Read from the source (AST), no database."""

import ast
from pathlib import Path

import pytest

import grids.partitioning

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "grids.partitioning"


def imports_of(path: Path) -> list[tuple[str, str, int]]:
    """(module, name, line) of every import in ``path`` (name "" for ``import x``)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            out += [(node.module or "", a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(a.name, "", node.lineno) for a in node.names]
    return out


def partitioner_imports(path: Path) -> list[tuple[str, str, int]]:
    return [
        (m, n, line)
        for m, n, line in imports_of(path)
        if m == PACKAGE or m.startswith(PACKAGE + ".") or (m == "grids" and n == "partitioning")
    ]


def private(module: str, name: str) -> bool:
    return any(part.startswith("_") for part in [*module.split("."), name] if part)


DJANGO_SIDE = sorted(
    p for p in (ROOT / "grids").rglob("*.py") if "partitioning" not in p.relative_to(ROOT).parts
)
EDITOR = sorted((ROOT / "grids" / "editing").glob("*.py"))


def test_the_scan_sees_the_editor_importing_the_partitioner():
    """Guard against a scan that finds nothing (a moved folder, a changed import form)."""
    assert EDITOR and any(partitioner_imports(p) for p in EDITOR)


@pytest.mark.parametrize("path", DJANGO_SIDE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_underscored_name_of_the_partitioner_is_imported(path):
    bad = [(m, n, line) for m, n, line in partitioner_imports(path) if private(m, n)]
    assert not bad, f"{path.relative_to(ROOT)} imports private partitioner names: {bad}"


@pytest.mark.parametrize("path", EDITOR, ids=lambda p: p.name)
def test_the_editor_imports_only_the_public_surface(path):
    for module, name, line in partitioner_imports(path):
        assert module == PACKAGE and name in grids.partitioning.__all__, (
            f"{path.name}:{line} imports {module}.{name}, not the public grids.partitioning API"
        )


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from grids.partitioning.split import _sub", True),
        ("from grids.partitioning import _helper", True),
        ("import grids.partitioning._private", True),
        ("from grids.partitioning import village_layout", False),
    ],
    ids=["private-name", "private-package-name", "private-module", "public"],
)
def test_the_scan_catches_private_imports(tmp_path, source, expected):
    path = tmp_path / "m.py"
    path.write_text(source + "\n")
    assert any(private(m, n) for m, n, _ in partitioner_imports(path)) is expected


def test_the_pure_library_never_imports_django():
    found = [
        (p.name, m)
        for p in (ROOT / "grids" / "partitioning").glob("*.py")
        for m, _n, _l in imports_of(p)
        if m == "django" or m.startswith("django.")
    ]
    assert not found, found
