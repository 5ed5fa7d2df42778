"""Which schema changes the lake absorbs and which stop a load."""

from __future__ import annotations

import pytest

from blocklake.errors import SchemaDriftError
from ingestion.schema import plan_changes

EXISTING = {"id": "INTEGER", "name": "VARCHAR", "score": "FLOAT", "_batch_id": "VARCHAR"}


def plan(incoming: dict[str, str]) -> list[tuple[str, str, str | None, str | None]]:
    return [(c.change, c.column, c.old_type, c.new_type) for c in plan_changes("lake.raw.t", EXISTING, incoming)]


def test_unchanged_schema_plans_nothing() -> None:
    assert plan({"id": "INTEGER", "name": "VARCHAR", "score": "FLOAT"}) == []


def test_added_dropped_and_widened_columns() -> None:
    assert plan({"id": "BIGINT", "score": "DOUBLE", "phone": "VARCHAR"}) == [
        ("widened", "id", "INTEGER", "BIGINT"),
        ("widened", "score", "FLOAT", "DOUBLE"),
        ("added", "phone", None, "VARCHAR"),
        ("dropped", "name", "VARCHAR", None),
    ]


def test_narrower_input_is_accepted_without_a_change() -> None:
    assert plan({"id": "SMALLINT", "name": "VARCHAR", "score": "FLOAT"}) == []


@pytest.mark.parametrize("incoming", [{"id": "VARCHAR"}, {"name": "INTEGER"}, {"score": "BIGINT"}])
def test_lossy_changes_stop_the_load(incoming: dict[str, str]) -> None:
    with pytest.raises(SchemaDriftError, match="cannot be stored without losing data"):
        plan({**{"id": "INTEGER", "name": "VARCHAR", "score": "FLOAT"}, **incoming})
