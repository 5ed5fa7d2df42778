"""The layout's rules that the import contracts (pyproject.toml, run by `make lint`) cannot express."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from blocklake.settings import PROJECT_ROOT

CONTRACTS = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
PACKAGES = sorted(path.parent.name for path in PROJECT_ROOT.glob("*/__init__.py"))
CODE = ("dags", "bench", "tests", *PACKAGES)


def python_files() -> list[Path]:
    return [path for folder in CODE for path in (PROJECT_ROOT / folder).rglob("*.py")]


def test_every_package_of_ours_is_under_the_import_contracts() -> None:
    # A new top-level package outside root_packages would be exempt from every rule.
    assert sorted(CONTRACTS["root_packages"]) == [name for name in PACKAGES if name not in ("bench", "tests")]


def test_the_core_and_the_stages_stay_layered_in_that_order() -> None:
    layers = next(c for c in CONTRACTS["contracts"] if c["id"] == "layers")["layers"]
    assert layers[0] == "orchestration" and layers[-1] == "blocklake"


def test_no_module_imports_private_names_of_another() -> None:
    ours = set(PACKAGES)
    found = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in ours:
                found += [f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {node.module}.{alias.name}"
                          for alias in node.names if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert found == []


def test_no_module_reaches_into_a_module_for_a_private_name() -> None:
    ours = set(PACKAGES)
    found = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                   and (node.module or "").split(".")[0] in ours for alias in node.names}
        found += [f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {node.value.id}.{node.attr}"
                  for node in ast.walk(tree) if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id in modules and node.attr.startswith("_") and not node.attr.startswith("__")]
    assert found == []


def test_the_dag_file_imports_only_the_dag_factory() -> None:
    tree = ast.parse((PROJECT_ROOT / "dags" / "blocklake_dags.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert imported == {"orchestration.dag_factory"}
