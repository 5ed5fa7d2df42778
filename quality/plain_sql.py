"""The same checks as plain DuckDB SQL: which rows fail (for quarantine) and how many (for the
benchmark that holds the gate to the cost of the bare queries, and for tests that hold GX's counts to
these).

Counting follows the gate's expectations: value rules judge non-null values only, ``not_null``
counts every row, ``unique`` counts the rows beyond the first of each key value (its failing rows,
for quarantine, are all rows of a duplicated key).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb

from blocklake.checks import Check, Suite, freshness_bound
from blocklake.sql import identifier
from quality import rules

RelationAt = Callable[[str], str]


@dataclass(frozen=True)
class Counts:
    unexpected: int
    judged: int  # the denominator of ``mostly``: all rows, or the non-null ones


def failing_rows(check: Check, relation: str, *, today: date, relation_at: RelationAt) -> str | None:
    """A WHERE condition over ``relation`` selecting the rows that fail ``check`` (None: table-level)."""
    column = identifier(check.column) if check.column else None
    match check.check:
        case "not_null":
            return f"{column} IS NULL"
        case "unique":
            key = ", ".join(identifier(name) for name in check.key)
            return f"({key}) IN (SELECT ({key}) FROM {relation} GROUP BY ALL HAVING count(*) > 1)"
        case "exists_in":
            schema, table, ref = check.reference.split(".")
            ref = identifier(ref)
            other = relation_at(f"{schema}.{table}")
            return f"{column} IS NOT NULL AND {column} NOT IN (SELECT {ref} FROM {other} WHERE {ref} IS NOT NULL)"
        case "fresh":
            bound = rules.timestamp_literal(freshness_bound(check.max_age, today))
            return f"TRY_CAST({column} AS TIMESTAMP) < {bound}"
        case "row_count":
            return None
    rule = rules.value_rule(check.check, check.column, today, pattern=check.pattern, values=check.values)
    return f"{column} IS NOT NULL AND NOT coalesce({rule}, false)"


def count_failures(con: duckdb.DuckDBPyConnection, suite: Suite, relation: str, *, today: date,
                   relation_at: RelationAt) -> dict[str, Counts]:
    """Every check of ``suite`` over ``relation``: row rules in one aggregate query, the rest one query each."""
    row_checks = [c for c in suite.checks if c.check not in ("unique", "fresh", "row_count")]
    selects = ["count(*)"]
    for check in row_checks:
        selects.append(f"count(*) FILTER (WHERE {failing_rows(check, relation, today=today, relation_at=relation_at)})")
        selects.append("count(*)" if check.check == "not_null" else f"count({identifier(check.column)})")
    totals = con.execute(f"SELECT {', '.join(selects)} FROM {relation}").fetchone()
    row_count = int(totals[0])
    counts = {check.name: Counts(int(totals[1 + 2 * i]), int(totals[2 + 2 * i])) for i, check in enumerate(row_checks)}
    for check in suite.checks:
        if check.check == "unique":
            counts[check.name] = _extra_rows(con, check, relation)
        elif check.check == "fresh":
            newest = f"max(TRY_CAST({identifier(check.column)} AS TIMESTAMP))"
            bound = rules.timestamp_literal(freshness_bound(check.max_age, today))
            stale = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {relation} "
                                f"HAVING NOT coalesce({newest} >= {bound}, false))").fetchone()[0]
            counts[check.name] = Counts(int(stale), 1)
        elif check.check == "row_count":
            counts[check.name] = Counts(int(row_count < check.min_rows), 1)
    return counts


def _extra_rows(con: duckdb.DuckDBPyConnection, check: Check, relation: str) -> Counts:
    """Rows beyond the first of each key value, among rows whose key is complete."""
    key = ", ".join(identifier(name) for name in check.key)
    not_null = " AND ".join(f"{identifier(name)} IS NOT NULL" for name in check.key)
    judged, distinct = con.execute(
        f"SELECT count(*), count(DISTINCT ({key})) FROM {relation} WHERE {not_null}").fetchone()
    return Counts(int(judged) - int(distinct), int(judged))
