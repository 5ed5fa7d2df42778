"""The published lake for any DuckDB client: an init script of named, read-only views.

``AT (VERSION => n)`` takes a constant, so an analyst who opens the lake in their own DuckDB (the CLI, Python,
a notebook, DBeaver) would have to look up each table's published snapshot by hand. Every publication rewrites
``<home>/published.sql`` instead: it attaches the lake read-only and creates, in a database of its own named
``published``, the same views ``blocklake sql`` shows (``raw.*``, ``base.*``, ``marts.*``, every column but
lineage, at the published snapshot). Then ``duckdb -init var/published.sql`` or, in Python,
``con.execute(Path("var/published.sql").read_text())`` is all it takes.

The script is the operator's: it reads everything unmasked, as ``blocklake sql`` does, and holds the lake's
connection string (for S3, its key), so it lives in the private home (0700) with mode 0600. Departments read
through the catalog (``/api/sql``, bundles), where their grants apply.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from blocklake import lake
from blocklake.published import ANALYST_LAYERS, PublishedVersion, published_versions
from blocklake.settings import Settings
from blocklake.sql import identifier, literal
from blocklake.vocabulary import LINEAGE_COLUMNS

DATABASE = "published"  # the analyst's views live here; the lake itself is attached as ``lake``
HEADER = "-- blocklake published views"
_SNAPSHOT_MARK = "-- lake snapshot: "


def script_path(settings: Settings) -> Path:
    return settings.home / "published.sql"


def render(settings: Settings, versions: Mapping[str, PublishedVersion], columns: Mapping[str, list[str]],
           lake_snapshot: int) -> str:
    """The init script for ``versions`` (table → published version), each showing ``columns[table]``."""
    lines = [HEADER, f"{_SNAPSHOT_MARK}{lake_snapshot}",
             f"-- written {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC by every publication; do not edit.",
             "-- Use: duckdb -init <this file>   or, in Python: con.execute(open(<this file>).read())",
             # Nothing is fetched from the internet: the extensions come from their PyPI packages (`blocklake setup`).
             "SET autoinstall_known_extensions = false;", "SET autoload_known_extensions = false;",
             *(f"LOAD {name};" for name in lake.lake_extensions(settings)),
             *_secret(settings),
             f"ATTACH IF NOT EXISTS {literal('ducklake:' + settings.lake_catalog_uri)} AS {lake.LAKE} "
             f"(DATA_PATH {literal(settings.lake_data_uri)}, READ_ONLY);",
             f"ATTACH IF NOT EXISTS ':memory:' AS {DATABASE};",
             *(f"CREATE SCHEMA IF NOT EXISTS {DATABASE}.{schema};" for schema in ANALYST_LAYERS)]
    for table, version in sorted(versions.items()):
        if table.split(".", 1)[0] in ANALYST_LAYERS and columns.get(table):
            lines.append(_view(table, version.snapshot_id, columns[table]))
    lines.append(f"USE {DATABASE};")
    return "\n".join(lines) + "\n"


def _view(table: str, snapshot: int, columns: list[str]) -> str:
    schema, name = table.split(".", 1)
    select = ", ".join(identifier(column) for column in columns)
    return (f"CREATE OR REPLACE VIEW {DATABASE}.{identifier(schema)}.{identifier(name)} AS SELECT {select} "
            f"FROM {lake.LAKE}.{identifier(schema)}.{identifier(name)} AT (VERSION => {int(snapshot)});")


def _secret(settings: Settings) -> list[str]:
    if not settings.lake_on_s3:
        return []
    return [f"CREATE OR REPLACE SECRET blocklake_lake_s3 (TYPE s3, KEY_ID {literal(settings.s3_access_key)}, "
            f"SECRET {literal(settings.s3_secret_key)}, REGION {literal(settings.s3_region)}, "
            f"ENDPOINT {literal(settings.s3_endpoint)}, URL_STYLE 'path', USE_SSL {str(settings.s3_use_ssl).lower()});"]


def shown_columns(con: duckdb.DuckDBPyConnection, versions: Mapping[str, PublishedVersion]) -> dict[str, list[str]]:
    """Each table's columns but lineage: from what the gate recorded, or asked of the table where it recorded none."""
    shown = {}
    for table, version in versions.items():
        if table.split(".", 1)[0] not in ANALYST_LAYERS:
            continue
        recorded = [name for name, _type in version.columns] if version.columns else None
        if recorded is None:
            schema, name = table.split(".", 1)
            recorded = [row[0] for row in con.execute(
                f"DESCRIBE SELECT * FROM {lake.LAKE}.{identifier(schema)}.{identifier(name)} "
                f"AT (VERSION => {int(version.snapshot_id)})").fetchall()]
        shown[table] = [column for column in recorded if column not in LINEAGE_COLUMNS]
    return shown


def refresh(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    """Rewrite the script from what is published now (``con``: a lake connection). Two gates that publish at
    once each write; the file keeps the one read from the newer lake snapshot, so it never goes back."""
    snapshot = lake.current_snapshot(con)
    versions = published_versions(con)
    text = render(settings, versions, shown_columns(con, versions), snapshot)
    path = script_path(settings)
    with _locked(path.with_name(path.name + ".lock")):
        if _written_at(path) > snapshot:
            return path
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.chmod(0o600)
        os.replace(partial, path)
    return path


def _written_at(path: Path) -> int:
    """The lake snapshot the script at ``path`` was written from; -1 when there is none."""
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(_SNAPSHOT_MARK):
                    return int(line.removeprefix(_SNAPSHOT_MARK))
    except (OSError, ValueError):
        pass
    return -1


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` for the ``with`` block (across processes on this host)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
