"""Issue 14: the import rules, read from the import graph, and the runtime dependencies.

Every module of the shipped packages is parsed with `ast` (imports inside functions included, and
importlib.import_module / __import__ with a literal name), so a rule cannot be dodged by a late
import. Composition happens at the edge: vngeo/ (the CLI) may import anything; the core never
imports the ETL, the web framework, the CLI or the viewer; api/ and maps/ never import the ETL or
the CLI (database URLs come from geodata/settings.py). No database, server or browser: `make check`."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("geodata", "api", "maps", "etl", "vngeo")  # what `pip install .` installs
FORBIDDEN = {
    "geodata": {"etl", "api", "maps", "vngeo", "fastapi", "starlette", "click", "uvicorn"},
    "api": {"etl", "vngeo"},
    "maps": {"etl", "vngeo"},
}
# Modules that need an optional extra, not the runtime dependencies: module -> (extra, top-level imports).
OPTIONAL = {"geodata/lookup/distributed.py": ("dask", {"dask", "distributed"})}


def modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "node_modules" not in p.parts)


def imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.append((node.lineno, node.module))
            else:  # relative: resolve against the file's own package
                parts = path.relative_to(root).with_suffix("").parts[: -node.level]
                found.append((node.lineno, ".".join([*parts, *([node.module] if node.module else [])])))
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (getattr(node.func, "attr", None) == "import_module" or getattr(node.func, "id", None) == "__import__")
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(package: str) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in modules(package)
        for line, name in imports(path)
        if name.split(".")[0] in FORBIDDEN[package]
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_import_rules(package):
    assert violations(package) == []


def test_the_graph_sees_late_and_relative_imports(tmp_path):
    """The reader finds what the rules are about: imports inside functions (the CLI imports the ETL
    only inside its commands) and relative imports."""
    assert any(name.startswith("etl") for _, name in imports(ROOT / "vngeo" / "cli.py"))
    pkg = tmp_path / "geodata" / "wing"
    pkg.mkdir(parents=True)
    (pkg / "m.py").write_text(
        "def f():\n    from .. import other\n    import importlib\n    return importlib.import_module('etl.load')\n"
    )
    assert sorted(n for _, n in imports(pkg / "m.py", root=tmp_path)) == ["etl.load", "geodata", "importlib"]


# ----------------------------------------------------------------- runtime dependencies
def _name(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def _closure(requirements: list[str]) -> set[str]:
    """Distributions `pip install` brings for these requirement strings (as installed here)."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        key = (_name(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            deps = md.requires(req.name) or []
        except md.PackageNotFoundError:
            continue  # not installed here: then nothing imports it either (the check below says so)
        for dep in map(Requirement, deps):
            if dep.marker is None or any(dep.marker.evaluate({"extra": e}) for e in req.extras or {""}):
                todo.append(dep)
    return {name for name, _ in seen}


def _third_party(path: Path) -> set[str]:
    tops = {name.split(".")[0] for _, name in imports(path)}
    return {t for t in tops if t and t not in sys.stdlib_module_names and t not in SHIPPED and t != "__future__"}


def test_every_import_of_the_shipped_code_is_a_runtime_dependency():
    """What geodata/, api/, maps/, etl/ and vngeo/ import is installed by `pip install .` without
    extras (the dask extra for the one module that says so). tests/test_install.py checks the same
    on a real fresh venv."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _closure(project["dependencies"])
    extras = {e: _closure(reqs) for e, reqs in project["optional-dependencies"].items()}
    owners = md.packages_distributions()
    missing = []
    for package in SHIPPED:
        for path in modules(package):
            rel = str(path.relative_to(ROOT))
            extra, allowed = OPTIONAL.get(rel, (None, set()))
            for top in sorted(_third_party(path)):
                dists = {_name(d) for d in owners.get(top, [])}
                if not dists:
                    missing.append(f"{rel}: {top} (not installed here; declare it)")
                elif top in allowed and dists & extras.get(extra, set()):
                    continue
                elif not dists & runtime:
                    missing.append(f"{rel}: {top} ({', '.join(sorted(dists))} is not a runtime dependency)")
    assert missing == []


def test_test_only_packages_stay_out_of_the_runtime():
    """The reverse: the packages only tests and bench use are not pulled in by the runtime list."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _closure(project["dependencies"])
    for dist in ("pytest", "mapbox-vector-tile", "mercantile", "playwright", "schemathesis", "ruff", "distributed"):
        assert dist not in runtime, dist
