"""The SQL half of a bundle: CREATE TABLE and data for PostgreSQL and for MySQL/MariaDB.

DDL is written in DuckDB's types and transpiled by sqlglot. Small tables carry their rows as INSERT
statements (literals rendered by sqlglot per dialect); large ones ship one CSV beside the DDL and a
``\\copy`` (psql) or ``LOAD DATA LOCAL INFILE`` statement. The one CSV serves both databases: every
text value quoted, NULL as the bare word ``NULL`` (both read an unquoted NULL as null and a quoted one
as the text), no backslash escapes (``ESCAPED BY ''`` on MySQL), booleans as 1/0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

DIALECTS = {"postgres": "postgres.sql", "mysql": "mysql.sql"}
INSERT_BATCH = 500
NULL_WORD = "NULL"


@dataclass(frozen=True)
class PortableColumn:
    name: str
    select: str  # DuckDB SQL over the bundle's Parquet turning the value into something both databases load
    ddl_type: str  # a DuckDB type, transpiled per dialect
    quoted: bool  # text in the CSV (always quoted, so an empty text is not a NULL)

    @property
    def literal_select(self) -> str:
        """For INSERT literals: booleans stay booleans (PostgreSQL takes no 1/0 literal for them)."""
        if self.ddl_type == "BOOLEAN":
            return exp.to_identifier(self.name, quoted=True).sql("duckdb")
        return self.select


def portable(name: str, duckdb_type: str) -> PortableColumn:
    """How a Parquet column travels to PostgreSQL and MySQL (types both have, values both parse)."""
    column = exp.to_identifier(name, quoted=True).sql("duckdb")
    kind = duckdb_type.upper()
    if kind == "BOOLEAN":
        return PortableColumn(name, f"CAST({column} AS TINYINT)", "BOOLEAN", False)
    if kind in ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATETIME"):
        return PortableColumn(name, f"CAST({column} AS TIMESTAMP)", "TIMESTAMP(6)", False)
    if kind == "TIMESTAMP WITH TIME ZONE":  # stored as UTC; the manifest says so
        return PortableColumn(name, f"CAST(timezone('UTC', {column}) AS TIMESTAMP)", "TIMESTAMP(6)", False)
    if kind in ("DATE", "TIME", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "REAL") or (
            kind.startswith("DECIMAL")):
        return PortableColumn(name, column, kind, False)
    if kind in ("HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"):
        return PortableColumn(name, column, "DECIMAL(38, 0)" if kind == "HUGEINT" else "DECIMAL(20, 0)", False)
    if kind == "BLOB":
        return PortableColumn(name, f"hex({column})", "VARCHAR", True)
    if kind in ("VARCHAR", "UUID", "INTERVAL"):
        return PortableColumn(name, f"CAST({column} AS VARCHAR)", "VARCHAR", True)
    return PortableColumn(name, f"CAST(to_json({column}) AS VARCHAR)", "VARCHAR", True)  # lists, structs, maps


def create_table(table: str, columns: Sequence[PortableColumn], dialect: str) -> str:
    body = ", ".join(f"{exp.to_identifier(c.name, quoted=True).sql('duckdb')} {c.ddl_type}" for c in columns)
    ddl = f"CREATE TABLE {exp.to_identifier(table, quoted=True).sql('duckdb')} ({body})"
    return sqlglot.transpile(ddl, read="duckdb", write=dialect, pretty=True)[0] + ";\n"


def inserts(table: str, columns: Sequence[PortableColumn], rows: Iterable[tuple], dialect: str) -> Iterable[str]:
    """Multi-row INSERTs of at most :data:`INSERT_BATCH` rows, literals rendered for ``dialect``."""
    target = exp.to_table(exp.to_identifier(table, quoted=True).sql("duckdb"), dialect="duckdb")
    names = [exp.to_identifier(c.name, quoted=True) for c in columns]
    batch: list[exp.Tuple] = []
    for row in rows:
        batch.append(exp.Tuple(expressions=[exp.convert(value) for value in row]))
        if len(batch) == INSERT_BATCH:
            yield _insert(target, names, batch, dialect)
            batch = []
    if batch:
        yield _insert(target, names, batch, dialect)


def _insert(target: exp.Table, names: list[exp.Identifier], batch: list[exp.Tuple], dialect: str) -> str:
    statement = exp.Insert(this=exp.Schema(this=target.copy(), expressions=[n.copy() for n in names]),
                           expression=exp.Values(expressions=batch))
    return statement.sql(dialect) + ";\n"


def load_csv(table: str, csv_name: str, columns: Sequence[PortableColumn], dialect: str) -> str:
    """The statement loading the bundle's CSV; run the SQL file from the bundle's folder."""
    if dialect == "postgres":
        names = ", ".join(exp.to_identifier(c.name, quoted=True).sql("postgres") for c in columns)
        target = exp.to_identifier(table, quoted=True).sql("postgres")
        return (f"\\copy {target} ({names}) FROM '{csv_name}' WITH (FORMAT csv, HEADER true, "
                f"NULL '{NULL_WORD}', ENCODING 'UTF8')\n")
    names = ", ".join(exp.to_identifier(c.name, quoted=True).sql("mysql") for c in columns)
    target = exp.to_identifier(table, quoted=True).sql("mysql")
    return (f"LOAD DATA LOCAL INFILE '{csv_name}' INTO TABLE {target} CHARACTER SET utf8mb4 "
            "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' "
            f"LINES TERMINATED BY '\\n' IGNORE 1 LINES ({names});\n")


def header(dialect: str, resource: str, snapshot: int) -> str:
    client = "psql -v ON_ERROR_STOP=1 -f postgres.sql" if dialect == "postgres" else (
        "mariadb --local-infile=1 < mysql.sql")
    session = "SET client_encoding = 'UTF8';\n" if dialect == "postgres" else "SET NAMES utf8mb4;\n"
    return f"-- {resource}, lake snapshot {snapshot}. Run from this folder: {client}\n{session}"
