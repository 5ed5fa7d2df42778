"""DuckDB extensions from their PyPI packages, never from the internet.

Government networks (and CI here) cannot reach DuckDB's extension repository, so each extension is
shipped as a ``duckdb-extension-<name>`` wheel holding the ``.duckdb_extension`` file.
:func:`install_all` copies them into DuckDB's extension folder once (``INSTALL '<file>'``); after that
``LOAD <name>`` works in any DuckDB process: ours, dbt's and an analyst's CLI.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

from blocklake.errors import MissingDependencyError

# LOAD name -> the PyPI package that carries it.
PACKAGED_EXTENSIONS: dict[str, str] = {
    "ducklake": "duckdb-extension-ducklake",
    "sqlite": "duckdb-extension-sqlite",
    "postgres": "duckdb-extension-postgres",
    "mysql": "duckdb-extension-mysql",
    "httpfs": "duckdb-extension-httpfs",
    "excel": "duckdb-extension-excel",
    "encodings": "duckdb-extension-encodings",
}
# DuckDB reports some extensions under their scanner names.
_CANONICAL = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner", "mysql": "mysql_scanner"}


def extension_file(name: str) -> Path:
    """The ``.duckdb_extension`` file shipped by the package for ``name`` and this DuckDB version."""
    package = PACKAGED_EXTENSIONS[name]
    spec = importlib.util.find_spec(package.replace("-", "_"))
    if spec is None or spec.origin is None:
        raise MissingDependencyError(
            f"DuckDB extension '{name}' is missing: pip install '{package}=={duckdb.__version__}'"
        )
    folder = Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}"
    found = sorted(folder.glob("*.duckdb_extension"))
    if not found:
        raise MissingDependencyError(
            f"{package} has no build for DuckDB {duckdb.__version__} (looked in {folder}); "
            f"pip install '{package}=={duckdb.__version__}'"
        )
    return found[0]


def installed(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT extension_name FROM duckdb_extensions() WHERE installed").fetchall()
    return {row[0] for row in rows}


def install_all(con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """Install every packaged extension that is not installed yet; returns the names installed."""
    con = con or duckdb.connect()
    present = installed(con)
    done = []
    for name in PACKAGED_EXTENSIONS:
        if _CANONICAL.get(name, name) in present:
            continue
        con.execute(f"INSTALL '{extension_file(name)}'")
        done.append(name)
    return done


def load(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """LOAD extensions, installing from the local package first if needed; never downloads."""
    for name in names:
        try:
            con.execute(f"LOAD {name}")
        except duckdb.IOException:
            con.execute(f"INSTALL '{extension_file(name)}'")
            con.execute(f"LOAD {name}")
