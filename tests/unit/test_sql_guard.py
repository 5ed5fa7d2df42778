"""The SQL guard: a corpus of bypass attempts that must be refused, and a corpus of analysts' queries
that must pass — and, as rewritten by the guard, run on DuckDB over tables that also hold the columns
the caller may not read."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from blocklake.errors import BlocklakeError
from catalog.sqlguard import SqlRefused, check

# What the caller may read; the tables below hold more (sfzh, phone, raw.police__secret).
READABLE = {
    "base.base_person": ["person_id", "name", "grid_code", "birth_year"],
    "raw.police__resident": ["grid_code", "name"],  # partly readable: sfzh and phone are not
    "marts.grid_stats": ["grid_code", "persons"],
}
FULL_TABLES = {
    "base.base_person": "person_id INTEGER, name VARCHAR, grid_code VARCHAR, birth_year INTEGER, sfzh VARCHAR",
    "raw.police__resident": "grid_code VARCHAR, name VARCHAR, sfzh VARCHAR, phone VARCHAR",
    "raw.police__secret": "grid_code VARCHAR, note VARCHAR",
    "marts.grid_stats": "grid_code VARCHAR, persons INTEGER",
}

HIDDEN_VALUES = {"11010519491231002X", "110105194912310021", "13800138000", "内部"}  # in unreadable columns

BYPASSES = [
    # writes and other statements
    "INSERT INTO base.base_person VALUES (1, 'x', 'g', 1990)",
    "UPDATE base.base_person SET name = 'x'",
    "DELETE FROM base.base_person",
    "CREATE TABLE stolen AS SELECT * FROM base.base_person",
    "CREATE VIEW v AS SELECT 1",
    "CREATE MACRO m(x) AS x",
    "DROP TABLE base.base_person",
    "ALTER TABLE base.base_person ADD COLUMN x INTEGER",
    "COPY base.base_person TO '/tmp/out.csv'",
    "COPY (SELECT * FROM base.base_person) TO '/tmp/out.parquet' (FORMAT parquet)",
    "ATTACH '/tmp/other.db' AS other",
    "DETACH lake",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET VARIABLE x = 1",
    "RESET lock_configuration",
    "PRAGMA database_list",
    "CALL pragma_version()",
    "EXPORT DATABASE '/tmp/dump'",
    "USE lake",
    "DESCRIBE base.base_person",
    "SUMMARIZE base.base_person",
    "SHOW TABLES",
    "BEGIN TRANSACTION",
    # more than one statement, including ones hidden behind comments
    "SELECT 1; DROP TABLE base.base_person",
    "SELECT 1 -- \n; DROP TABLE base.base_person",
    "SELECT 1 /* ; */; ATTACH '/tmp/x.db'",
    "SELECT 1; SELECT 2",
    "",
    "-- only a comment",
    # files and table functions
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_parquet('var/lake/data/**/*.parquet')",
    "SELECT * FROM read_json('/etc/hosts')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM 'var/lake/catalog.sqlite'",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM range(10)",
    "SELECT * FROM generate_series(1, 10)",
    "SELECT * FROM unnest([1, 2])",
    "SELECT * FROM query('SELECT * FROM raw.police__secret')",
    "SELECT * FROM query_table('raw.police__secret')",
    "SELECT * FROM sqlite_scan('var/lake/catalog.sqlite', 'ducklake_snapshot')",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_tables()",
    "SELECT * FROM ducklake_snapshots('lake')",
    # functions that reach outside the data
    "SELECT getenv('HOME')",
    "SELECT current_setting('allowed_paths')",
    "SELECT read_text('/etc/passwd')",
    "SELECT version()",
    "SELECT getvariable('x')",
    "SELECT list_transform([1], x -> x + 1)",
    "SELECT COLUMNS(*) FROM base.base_person",
    "SELECT COLUMNS('.*') FROM raw.police__resident",
    "SELECT COLUMNS(c -> c LIKE 's%') FROM raw.police__resident",
    # tables that are not readable, however they are named
    "SELECT * FROM raw.police__secret",
    "SELECT * FROM police__secret",
    "SELECT * FROM RAW.POLICE__SECRET",
    'SELECT * FROM "RAW"."Police__Secret"',
    'SELECT * FROM "raw.police__secret"',
    "SELECT * FROM base.base_person p JOIN raw.police__secret s USING (grid_code)",
    "SELECT (SELECT max(note) FROM raw.police__secret) FROM base.base_person",
    "SELECT * FROM base.base_person WHERE grid_code IN (SELECT grid_code FROM raw.police__secret)",
    "SELECT name FROM base.base_person UNION ALL SELECT note FROM raw.police__secret",
    "SELECT * FROM base.base_person p, LATERAL (SELECT note FROM raw.police__secret s WHERE s.grid_code = p.grid_code)",
    "SELECT * FROM lake.base.base_person",
    "SELECT * FROM lake.raw.police__resident",
    "SELECT * FROM memory.main.x",
    "SELECT * FROM memory.base.base_person",
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM information_schema.columns",
    "SELECT * FROM pg_catalog.pg_class",
    "SELECT * FROM duckdb_tables",
    "SELECT * FROM __ducklake_metadata_lake.ducklake_snapshot",
    "SELECT * FROM base.base_person AT (VERSION => 1)",
    # CTE shadowing both ways
    "WITH base_person AS (SELECT * FROM raw.police__secret) SELECT * FROM base_person",
    "WITH Base_Person AS (SELECT 1 AS x) SELECT * FROM base.base_person",
    "WITH police__secret AS (SELECT 1 AS note) SELECT * FROM raw.police__secret",
    "WITH x AS (SELECT * FROM raw.police__secret) SELECT * FROM x",
    "SELECT * FROM (WITH s AS (SELECT 1 AS a) SELECT * FROM s) q, s",
    # columns that are not readable
    "SELECT sfzh FROM base.base_person",
    "SELECT SFZH FROM base.base_person",
    'SELECT "Sfzh" FROM raw.police__resident',
    "SELECT r.phone FROM raw.police__resident r",
    "SELECT count(*) FROM raw.police__resident WHERE sfzh LIKE '110%'",
    "SELECT name FROM raw.police__resident ORDER BY phone",
    "SELECT grid_code, max(sfzh) FROM raw.police__resident GROUP BY grid_code",
    "SELECT base_person FROM base.base_person",
    "SELECT r FROM raw.police__resident r",
    "SELECT * FROM (SELECT sfzh FROM raw.police__resident) q",
    "SELECT * FROM base.base_person p, LATERAL (SELECT sfzh FROM raw.police__resident) x",  # sqlglot binds sfzh to x
    "SELECT * FROM base.base_person AS p(a, b, c, d, e)",  # positional renames past the readable columns
    # other ways of naming a table
    "TABLE raw.police__secret",
    "FROM raw.police__secret",
    "SELECT * FROM (raw.police__secret)",
    "SELECT * FROM base.base_person POSITIONAL JOIN raw.police__secret",
    "SELECT * FROM base.base_person UNION BY NAME SELECT * FROM raw.police__secret",
    "SELECT * FROM base.base_person WHERE EXISTS (FROM raw.police__secret)",
    "SELECT 1 FROM base.base_person WHERE grid_code = ANY(SELECT grid_code FROM raw.police__secret)",
]

ALLOWED = [
    "SELECT * FROM base.base_person",
    # AND, OR and NOT are operators, though sqlglot 30 models AND and OR as functions (refused until 2026-12)
    "SELECT name FROM base.base_person WHERE birth_year > 1950 AND (grid_code LIKE '440305001%' OR name = '张三')",
    "SELECT count(*) FILTER (WHERE NOT (birth_year < 1960 OR birth_year IS NULL)) AS n FROM base.base_person",
    "SELECT * FROM raw.police__resident",
    "FROM marts.grid_stats",
    "SELECT * FROM base_person",
    'SELECT * FROM "BASE"."Base_Person"',
    "SELECT Name FROM Base.BASE_PERSON",
    "SELECT p.* FROM base.base_person p",
    "SELECT * EXCLUDE (name) FROM base.base_person",
    "SELECT p.name, r.name AS resident FROM base.base_person p JOIN raw.police__resident r USING (grid_code)",
    "SELECT p.grid_code, count(*) AS n FROM base.base_person p LEFT JOIN marts.grid_stats s "
    "ON s.grid_code = p.grid_code GROUP BY p.grid_code ORDER BY n DESC",
    "SELECT grid_code, count(*), avg(birth_year), min(name), max(birth_year) FROM base.base_person GROUP BY ALL",
    "SELECT grid_code, count(DISTINCT name) FILTER (WHERE birth_year > 1980) FROM base.base_person GROUP BY 1",
    "SELECT person_id, row_number() OVER (PARTITION BY grid_code ORDER BY birth_year DESC) AS rn "
    "FROM base.base_person QUALIFY rn = 1",
    "SELECT person_id, sum(birth_year) OVER w, lag(name) OVER w FROM base.base_person WINDOW w AS (ORDER BY person_id)",
    "WITH g AS (SELECT grid_code, count(*) AS c FROM base.base_person GROUP BY grid_code) "
    "SELECT g.grid_code, g.c, s.persons FROM g JOIN marts.grid_stats s USING (grid_code)",
    "WITH a AS (SELECT person_id FROM base.base_person), b AS (SELECT person_id FROM a) SELECT count(*) FROM b",
    "WITH police__secret AS (SELECT name FROM base.base_person) SELECT * FROM police__secret",  # harmless name
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT sum(n) FROM t",
    "SELECT name FROM base.base_person UNION SELECT name FROM raw.police__resident ORDER BY name",
    "SELECT grid_code FROM base.base_person INTERSECT SELECT grid_code FROM marts.grid_stats",
    "SELECT * FROM base.base_person p, LATERAL (SELECT count(*) AS same_grid FROM raw.police__resident r "
    "WHERE r.grid_code = p.grid_code) x",
    "SELECT * FROM base.base_person WHERE grid_code IN (SELECT grid_code FROM marts.grid_stats WHERE persons > 1)",
    "SELECT CASE WHEN birth_year < 1960 THEN '老年' ELSE '其他' END AS band, count(*) FROM base.base_person GROUP BY 1",
    "SELECT upper(name), left(grid_code, 9), coalesce(birth_year, 0), CAST(person_id AS VARCHAR) FROM base.base_person",
    "SELECT date_trunc('month', current_date), strftime(current_date, '%Y') FROM base.base_person LIMIT 1",
    "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(k, label)",
    "SELECT DISTINCT ON (grid_code) name FROM raw.police__resident ORDER BY grid_code",
    "SELECT grid_code, name, count(*) FROM raw.police__resident GROUP BY GROUPING SETS ((grid_code), (name))",
    "SELECT name AS sfzh FROM raw.police__resident ORDER BY sfzh",  # an output named like a hidden column
    "SELECT * FROM base.base_person ANTI JOIN raw.police__resident USING (grid_code)",
    "SELECT 1 AS one",
]


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    """DuckDB with every table in full (readable or not), to run what the guard lets through."""
    con = duckdb.connect()
    for table, columns in FULL_TABLES.items():
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
        con.execute(f"CREATE TABLE {table} ({columns})")
    con.execute("INSERT INTO base.base_person VALUES (1, '张三', '440305001001001', 1955, '11010519491231002X'), "
                "(2, '李四', '440305001001001', 1990, '110105194912310021')")
    con.execute("INSERT INTO raw.police__resident VALUES ('440305001001001', '张三', '11010519491231002X', "
                "'13800138000')")
    con.execute("INSERT INTO marts.grid_stats VALUES ('440305001001001', 2)")
    con.execute("INSERT INTO raw.police__secret VALUES ('440305001001001', '内部')")
    yield con
    con.close()


@pytest.mark.parametrize("sql", BYPASSES)
def test_bypass_attempts_are_refused(sql: str) -> None:
    with pytest.raises(SqlRefused, match="refused"):
        check(sql, READABLE)


def test_the_bypass_corpus_is_large_enough() -> None:
    assert len(BYPASSES) >= 40 and len(set(BYPASSES)) == len(BYPASSES)


@pytest.mark.parametrize("sql", ALLOWED)
def test_analyst_queries_pass_and_run(sql: str, duck: duckdb.DuckDBPyConnection) -> None:
    checked = check(sql, READABLE)
    values = {str(value) for row in duck.execute(checked.sql).fetchall() for value in row}
    assert not values & HIDDEN_VALUES, checked.sql


def test_star_expands_to_the_readable_columns_only(duck: duckdb.DuckDBPyConnection) -> None:
    checked = check("SELECT * FROM raw.police__resident", READABLE)
    assert [d[0] for d in duck.execute(checked.sql).description] == ["grid_code", "name"]
    assert checked.tables == ("raw.police__resident",)


def test_what_runs_is_the_qualified_query_not_the_text() -> None:
    checked = check("select NAME from Base_Person -- trailing comment", READABLE)
    assert checked.sql == 'SELECT "base_person"."name" AS "name" FROM "base"."base_person" AS "base_person"'
    # A string in FROM becomes a quoted identifier, never a file path.
    assert check("SELECT * FROM 'base_person'", READABLE).sql.endswith('FROM "base"."base_person" AS "base_person"')


def test_cte_names_cannot_resolve_to_anything_but_the_cte() -> None:
    checked = check("WITH duckdb_settings AS (SELECT name FROM base.base_person) SELECT * FROM duckdb_settings",
                    READABLE)
    assert '"cte__duckdb_settings"' in checked.sql and "FROM duckdb_settings" not in checked.sql
    assert checked.tables == ("base.base_person",)


def test_a_bare_name_in_two_schemas_is_ambiguous() -> None:
    readable = {**READABLE, "marts.base_person": ["name"]}
    with pytest.raises(SqlRefused, match="ambiguous"):
        check("SELECT * FROM base_person", readable)
    assert check("SELECT * FROM marts.base_person", readable).tables == ("marts.base_person",)


@pytest.mark.parametrize(("sql", "says"), [
    ("DROP TABLE base.base_person", "only SELECT"),
    ("SELECT 1; SELECT 2", "exactly one statement"),
    ("SELECT * FROM read_csv('/etc/passwd')", "table function read_csv"),
    ("SELECT getenv('HOME')", "function getenv() is not allowed"),
    ("SELECT * FROM raw.police__secret", "table raw.police__secret is not readable"),
    ("SELECT * FROM lake.base.base_person", "without a catalog"),
    ("SELECT sfzh FROM base.base_person", "sfzh"),
    ("WITH base_person AS (SELECT 1) SELECT * FROM base_person", "shadows"),
])
def test_refusals_say_what_was_refused(sql: str, says: str) -> None:
    with pytest.raises(SqlRefused) as refused:
        check(sql, READABLE)
    assert says in str(refused.value)
    assert isinstance(refused.value, BlocklakeError)


def test_nothing_readable_refuses_every_table() -> None:
    with pytest.raises(SqlRefused):
        check("SELECT * FROM base.base_person", {})
