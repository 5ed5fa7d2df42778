"""Analyst access: a DuckDB session over the *published* versions of the lake, locked down.

Each readable table becomes a view named by its layer and table (``base.base_person``,
``raw.police__resident``) in the in-memory catalog, reading ``lake.<schema>.<table> AT (VERSION => n)``
at the table's published snapshot, with only its visible columns (lineage columns never) and its
sensitive columns masked in SQL, so a masked value never passes through Python.

Then the session is locked (DuckDB 1.5.5, checked by tests/integration/test_sql_endpoint.py):

- ``allowed_paths`` lists exactly the Parquet data and delete files of the exposed tables at their
  published snapshots (DuckDB adds the lake's catalog database and its WAL files itself);
- ``temp_directory`` is empty (no spilling) or a private scratch folder deleted on close;
- ``enable_external_access = false`` then refuses every other file and URL: ``read_csv('/etc/passwd')``,
  ``FROM 'file'``, ``COPY … TO``, ``ATTACH 'file'``, ``INSTALL``, ``LOAD`` of an extension not loaded yet,
  ``getenv``; Python replacement scans and community extensions are off;
- ``lock_configuration = true`` refuses every later ``SET``/``PRAGMA``/``RESET``, so none of it can be undone.

The lock confines the session to the lake's files; it does not stop a statement from reading ``lake.*``
directly or from detaching the lake in its own session. Which tables and columns a caller may name is
the job of :mod:`catalog.sqlguard`, in front of this session.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from blocklake import lake, masking
from blocklake.errors import BlocklakeError
from blocklake.published import ANALYST_LAYERS, published_snapshots
from blocklake.settings import Settings
from blocklake.sql import identifier, literal
from blocklake.vocabulary import LINEAGE_COLUMNS


class QueryError(BlocklakeError):
    """DuckDB refused or failed a statement in the analyst session."""


class QueryTimeout(QueryError):
    """A statement ran longer than its time limit and was interrupted."""


class ResultTooLarge(QueryError):
    """The result holds more bytes than an answer may carry."""


@dataclass(frozen=True)
class Limits:
    """What one session may use: DuckDB's memory and threads (set before the configuration is locked)."""

    memory: str
    threads: int


@dataclass(frozen=True)
class TableAccess:
    """What of one published table a session shows."""

    columns: tuple[str, ...] | None = None  # visible columns; None: every column but lineage
    masks: Mapping[str, str] = field(default_factory=dict)  # column -> sensitive kind (blocklake.masking)
    row_filter: str = ""  # SQL condition on the table's rows (a block's rows only); '' for all
    # column -> the SQL expression shown instead of it (the access policy's masks, catalog.grants); a
    # masked column without one is masked here by its kind
    expressions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool  # more rows than the limit existed
    elapsed_s: float


@dataclass
class AnalystSession:
    con: duckdb.DuckDBPyConnection
    views: dict[str, tuple[str, ...]]  # "schema.table" -> its view's columns
    snapshots: dict[str, int]  # "schema.table" -> the published snapshot its view reads
    scratch: Path | None = None

    def run(self, sql: str, *, limit: int, timeout_s: float | None = None,
            max_bytes: int | None = None) -> QueryResult:
        return run(self.con, sql, limit=limit, timeout_s=timeout_s, max_bytes=max_bytes)

    def close(self) -> None:
        self.con.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


@contextmanager
def session(settings: Settings, access: Mapping[str, TableAccess] | None = None, *, spill: bool = False,
            writable: Sequence[Path] = (), limits: Limits | None = None) -> Iterator[AnalystSession]:
    """:func:`open_session` as a context manager that closes the session."""
    opened = open_session(settings, access, spill=spill, writable=writable, limits=limits)
    try:
        yield opened
    finally:
        opened.close()


def open_session(settings: Settings, access: Mapping[str, TableAccess] | None = None, *, spill: bool = False,
                 writable: Sequence[Path] = (), limits: Limits | None = None) -> AnalystSession:
    """A locked session with a view per table of ``access`` ("schema.table" -> what to show) that is
    published; ``access=None`` shows every published table of the analyst layers in full, unmasked, and lets
    ``lake`` itself be read (the bureau's operator). ``spill`` gives the session a private scratch folder
    for larger-than-memory work; ``writable`` are the only files it may write (the CLI's ``--output``);
    ``limits`` caps its memory and threads (the SQL endpoint's sessions)."""
    con = lake.connect(settings, read_only=True)
    scratch = Path(tempfile.mkdtemp(prefix="analyst-", dir=_tmp_root(settings))) if spill else None
    try:
        published = _readable(published_snapshots(con), access)
        views = {table: _create_view(con, table, snapshot, (access or {}).get(table, TableAccess()))
                 for table, snapshot in published.items()}
        views = {table: columns for table, columns in views.items() if columns}
        published = {table: snapshot for table, snapshot in published.items() if table in views}
        files = [path for table, snapshot in published.items() for path in _files(con, table, snapshot)]
        # The operator (access=None) may also read the ledger and older versions through `lake` directly.
        folders = [settings.lake_data_uri] if access is None else []
        lock(con, [*files, *(str(path.absolute()) for path in writable)], folders, scratch, limits)
    except BaseException:
        con.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    return AnalystSession(con, views, published, scratch)


def _tmp_root(settings: Settings) -> Path:
    root = settings.home / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _readable(published: Mapping[str, int], access: Mapping[str, TableAccess] | None) -> dict[str, int]:
    wanted = published if access is None else access
    return {table: published[table] for table in sorted(wanted)
            if table in published and table.split(".", 1)[0] in ANALYST_LAYERS}


def _create_view(con: duckdb.DuckDBPyConnection, table: str, snapshot: int, access: TableAccess) -> tuple[str, ...]:
    """``memory.<schema>.<table>`` over the published snapshot; returns the columns it shows."""
    schema, name = table.split(".", 1)
    relation = f"{lake.LAKE}.{identifier(schema)}.{identifier(name)} AT (VERSION => {int(snapshot)})"
    present = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    wanted = set(present if access.columns is None else access.columns) - set(LINEAGE_COLUMNS)
    columns = tuple(column for column in present if column in wanted)
    if not columns:  # a view must select something; a table with nothing visible is not shown
        return ()
    select = ", ".join(f"{_shown(access, c)} AS {identifier(c)}" for c in columns)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS memory.{identifier(schema)}")
    where = f" WHERE {access.row_filter}" if access.row_filter else ""
    con.execute(f"CREATE VIEW memory.{identifier(schema)}.{identifier(name)} AS SELECT {select} FROM {relation}{where}")
    return columns


def _shown(access: TableAccess, column: str) -> str:
    if column in access.expressions:
        return access.expressions[column]
    if column in access.masks:
        return masking.sql_mask(access.masks[column], identifier(column))
    return identifier(column)


def _files(con: duckdb.DuckDBPyConnection, table: str, snapshot: int) -> list[str]:
    """The data and delete files DuckLake reads for ``table`` at ``snapshot`` (inlined rows need none)."""
    schema, name = table.split(".", 1)
    rows = con.execute(f"SELECT data_file, delete_file FROM ducklake_list_files('{lake.LAKE}', ?, schema => ?, "
                       "snapshot_version => ?)", [name, schema, snapshot]).fetchall()
    return [path for row in rows for path in row if path]


def lock(con: duckdb.DuckDBPyConnection, allowed_paths: Sequence[str], allowed_directories: Sequence[str],
         scratch: Path | None, limits: Limits | None = None) -> None:
    """Confine ``con`` to ``allowed_paths`` and ``allowed_directories`` (plus the attached catalog, which
    DuckDB adds) and freeze its configuration. The order matters: ``allowed_*`` and ``temp_directory``
    cannot change once external access is off, and nothing can change once the configuration is locked."""
    paths = ", ".join(literal(path) for path in allowed_paths)
    folders = ", ".join(literal(folder) for folder in allowed_directories)
    if limits is not None:
        con.execute(f"SET memory_limit = {literal(limits.memory)}")
        con.execute(f"SET threads = {int(limits.threads)}")
    for statement in (
        "SET python_enable_replacements = false",  # `FROM df` would read a Python variable of the caller
        "SET allow_community_extensions = false",
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = false",
        f"SET temp_directory = {literal(str(scratch) if scratch else '')}",  # DuckDB allows writes to it
        f"SET allowed_directories = [{folders}]",
        f"SET allowed_paths = [{paths}]",
        "SET enable_external_access = false",
        "SET lock_configuration = true",
    ):
        con.execute(statement)


def run(con: duckdb.DuckDBPyConnection, sql: str, *, limit: int, timeout_s: float | None = None,
        max_bytes: int | None = None) -> QueryResult:
    """Run ``sql``; at most ``limit`` rows come back (``truncated`` if there were more); after
    ``timeout_s`` seconds the statement is interrupted and :class:`QueryTimeout` raised; a result of more
    than ``max_bytes`` bytes of values raises :class:`ResultTooLarge` as soon as it is that large."""
    timer = threading.Timer(timeout_s, con.interrupt) if timeout_s else None
    started = time.perf_counter()
    if timer is not None:
        timer.start()
    try:
        columns, rows = _fetch(con, sql, limit, max_bytes)
    except duckdb.InterruptException as exc:
        if timer is None:  # interrupted from elsewhere (Ctrl-C in the shell)
            raise QueryError("the query was interrupted") from exc
        raise QueryTimeout(f"the query was stopped after the time limit of {timeout_s:g} s") from exc
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from exc
    finally:
        if timer is not None:
            timer.cancel()
    return QueryResult(columns, rows[:limit], len(rows) > limit, time.perf_counter() - started)


FETCH_ROWS = 1_000


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, limit: int,
           max_bytes: int | None) -> tuple[list[str], list[tuple[Any, ...]]]:
    relation = con.sql(sql)
    if relation is None:  # a statement without a result (refused ones raise before)
        return [], []
    # limit+1 inside DuckDB: the engine stops producing rows early instead of us discarding them.
    result = relation.limit(limit + 1)
    rows: list[tuple[Any, ...]] = []
    size = 0
    while chunk := result.fetchmany(FETCH_ROWS):
        rows += chunk
        size += sum(_size(value) for row in chunk for value in row)
        if max_bytes is not None and size > max_bytes:
            raise ResultTooLarge(f"the result is over {max_bytes:,} bytes after {len(rows):,} rows; select fewer "
                                 "rows or columns, or aggregate in the query")
    return list(relation.columns), rows


def _size(value: object) -> int:
    """About what a value costs in the answer (JSON)."""
    if isinstance(value, str | bytes):
        return len(value) + 2
    return 8 if isinstance(value, int | float | bool) or value is None else len(str(value)) + 2


def copy_to(con: duckdb.DuckDBPyConnection, sql: str, path: Path, file_format: str) -> None:
    """Write the result of ``sql`` to ``path`` as csv or parquet with DuckDB's COPY. The path must be one
    the session may write (``writable`` of :func:`open_session`)."""
    options = {"csv": "FORMAT csv, HEADER true", "parquet": "FORMAT parquet"}[file_format]
    # USE_TMP_FILE false: DuckDB would otherwise write tmp_<name> first, a path the lock does not allow.
    query = sql.strip().rstrip(";")
    try:
        con.execute(f"COPY ({query}\n) TO {literal(str(path.absolute()))} ({options}, USE_TMP_FILE false)")
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from exc




def format_table(result: QueryResult, *, max_width: int = 48) -> str:
    """``result`` as an aligned text table (CJK characters count double, as a terminal shows them)."""
    cells = [[_cell(value, max_width) for value in row] for row in result.rows]
    widths = [max([_width(name), *(_width(row[i]) for row in cells)]) for i, name in enumerate(result.columns)]
    numeric = [all(isinstance(row[i], int | float | Decimal) or row[i] is None for row in result.rows)
               for i in range(len(result.columns))]
    lines = [_line(result.columns, widths, [False] * len(widths)), "  ".join("-" * width for width in widths)]
    lines += [_line(row, widths, numeric) for row in cells]
    count = len(result.rows)
    more = "; more rows matched" if result.truncated else ""
    lines.append(f"({count:,} row{'s' if count != 1 else ''}{more}, {result.elapsed_s:.3f} s)")
    return "\n".join(lines)


def _cell(value: object, max_width: int) -> str:
    text = "NULL" if value is None else str(value).replace("\n", "\\n")
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _line(cells: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    padded = [" " * (width - _width(cell)) + cell if flush_right else cell + " " * (width - _width(cell))
              for cell, width, flush_right in zip(cells, widths, right, strict=True)]
    return "  ".join(padded).rstrip()


SHELL_HELP = """Statements end with ';'. Dot commands: .tables (the views), .help, .quit
The session is read-only and locked: no files, no settings, no extensions."""


def shell(analyst: AnalystSession, *, max_rows: int, history: Path | None = None,
          read: Callable[[str], str] = input, write: Callable[[str], object] = print) -> int:
    """An interactive prompt on ``analyst``: statements end with ``;``, ``.tables`` lists the views and
    ``.quit`` (or end of input) leaves; Ctrl-C drops the statement being typed or run. Prompts are shown
    only on a terminal, so input can be piped."""
    interactive = sys.stdin.isatty()
    if interactive:
        _start_history(history)
        write(SHELL_HELP)
    buffer: list[str] = []
    try:
        while True:
            try:
                if not _shell_line(analyst, buffer, read, write, max_rows=max_rows, prompts=interactive):
                    break
            except KeyboardInterrupt:
                buffer.clear()
                write("^C")
    finally:
        if interactive and history is not None:
            _save_history(history)
    return 0


def _shell_line(analyst: AnalystSession, buffer: list[str], read: Callable[[str], str],
                write: Callable[[str], object], *, max_rows: int, prompts: bool) -> bool:
    """Read and act on one line; False when the shell should end."""
    try:
        line = read(("blocklake> " if not buffer else "       ...> ") if prompts else "")
    except EOFError:
        return False
    if not buffer and line.strip().startswith("."):
        return not _dot_command(analyst, line.strip(), write)
    if line.strip():
        buffer.append(line)
    if buffer and line.rstrip().endswith(";"):
        statement = "\n".join(buffer)
        buffer.clear()
        _shell_statement(analyst, statement, max_rows, write)
    return True


def _dot_command(analyst: AnalystSession, command: str, write: Callable[[str], object]) -> bool:
    """Run a dot command; True when it asks to leave."""
    name = command.split()[0].lower()
    if name in (".quit", ".exit"):
        return True
    if name == ".tables":
        write("\n".join(f"{table}  ({', '.join(columns)})" for table, columns in analyst.views.items())
              or "(no published tables)")
    elif name == ".help":
        write(SHELL_HELP)
    else:
        write(f"unknown command {name}; try .help")
    return False


def _shell_statement(analyst: AnalystSession, sql: str, max_rows: int, write: Callable[[str], object]) -> None:
    try:
        result = analyst.run(sql, limit=max_rows)
    except QueryError as exc:
        write(f"error: {exc}")
        return
    write(format_table(result) if result.columns else "ok")


def _start_history(history: Path | None) -> None:
    try:
        import readline  # line editing and history for input(); absent on some platforms
    except ImportError:
        return
    if history is not None and history.is_file():
        readline.read_history_file(history)


def _save_history(history: Path) -> None:
    try:
        import readline
    except ImportError:
        return
    history.parent.mkdir(parents=True, exist_ok=True)
    readline.set_history_length(1000)
    readline.write_history_file(history)
