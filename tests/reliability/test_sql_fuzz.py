"""Item 11 of the reliability suite: generated queries against the SQL guard. Whatever mix of tables,
columns, functions, clauses, quoting and case a query has, either the guard refuses it, or what the
guard lets run touches no unreadable table or column and nothing outside the database."""

from __future__ import annotations

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.sqlguard import SqlRefused, check
from tests.reliability.tally import TALLY
from tests.unit.test_sql_guard import FULL_TABLES, HIDDEN_VALUES, READABLE

TABLES = [*FULL_TABLES, "lake.base.base_person", "information_schema.tables", "read_csv('/etc/passwd')",
          "'/etc/passwd'", "duckdb_settings()", "range(10)", "glob('/*')", "memory.main.x"]
COLUMNS = ["person_id", "name", "grid_code", "birth_year", "sfzh", "phone", "note", "persons", "*", "COLUMNS(*)",
           "COLUMNS('.*')", "getenv('HOME')", "current_setting('threads')", "read_text('/etc/passwd')",
           "count(*)", "upper(name)", "md5(sfzh)", "1", "'x'"]
CLAUSES = ["", " WHERE grid_code LIKE '4403%'", " WHERE sfzh IS NOT NULL", " ORDER BY 1", " LIMIT 5",
           " GROUP BY ALL", "; DROP TABLE base.base_person", " -- comment",
           " UNION ALL SELECT sfzh FROM base.base_person"]


def _case(text: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c for c, flip in zip(text, flips + [False] * len(text), strict=False))


@st.composite
def queries(draw: st.DrawFn) -> str:
    # Mostly a readable table and its readable columns, so that many queries pass and run; the rest
    # mixes in everything that must be refused.
    readable = draw(st.integers(0, 9)) < 7
    table = draw(st.sampled_from(sorted(READABLE) if readable else TABLES))
    own = READABLE.get(table, [])
    column = st.sampled_from(own) if own and draw(st.integers(0, 9)) < 8 else st.sampled_from(COLUMNS)
    columns = draw(st.lists(column, min_size=1, max_size=3))
    if draw(st.booleans()) and "." in table and "(" not in table:
        table = ".".join(f'"{part}"' for part in table.split("."))  # quoted variant
    body = f"SELECT {', '.join(columns)} FROM {table}{draw(st.sampled_from(CLAUSES))}"
    if draw(st.booleans()):  # a CTE, sometimes named like a readable table
        name = draw(st.sampled_from(["t", "base_person", "police__resident"]))
        body = f"WITH {name} AS ({body}) SELECT * FROM {name}"
    return _case(body, draw(st.lists(st.booleans(), max_size=len(body))))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries())
def test_generated_queries_are_refused_or_reveal_nothing_hidden(sql: str) -> None:
    TALLY.add("bad_inputs_tried")
    try:
        checked = check(sql, READABLE)
    except SqlRefused:
        OUTCOMES["refused"] += 1
        return
    try:
        rows = _database().execute(checked.sql).fetchall()
    except duckdb.Error as exc:  # let through but not valid SQL (say, a column outside GROUP BY): no data
        assert not any(value in str(exc) for value in HIDDEN_VALUES), (sql, exc)
        OUTCOMES["invalid"] += 1
        return
    OUTCOMES["ran"] += 1
    values = {str(value) for row in rows for value in row}
    assert not values & HIDDEN_VALUES, (sql, checked.sql)
    assert set(checked.tables) <= set(READABLE), (sql, checked.tables)


def test_the_fuzzing_exercised_both_outcomes() -> None:
    """Runs after the property above: a generator whose queries were all refused would prove nothing."""
    assert OUTCOMES["ran"] >= 20 and OUTCOMES["refused"] >= 20, OUTCOMES


OUTCOMES = {"ran": 0, "refused": 0, "invalid": 0}
_DATABASE: list[duckdb.DuckDBPyConnection] = []


def _database() -> duckdb.DuckDBPyConnection:
    """Every table in full, with hidden values in the unreadable columns and tables (built once)."""
    if not _DATABASE:
        con = duckdb.connect()
        for table, columns in FULL_TABLES.items():
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
            con.execute(f"CREATE TABLE {table} ({columns})")
        con.execute("INSERT INTO base.base_person VALUES (1, '张三', '440305001001001', 1955, '11010519491231002X')")
        con.execute("INSERT INTO raw.police__resident VALUES ('440305001001001', '张三', '110105194912310021', "
                    "'13800138000')")
        con.execute("INSERT INTO raw.police__secret VALUES ('440305001001001', '内部')")
        con.execute("INSERT INTO marts.grid_stats VALUES ('440305001001001', 2)")
        _DATABASE.append(con)
    return _DATABASE[0]
