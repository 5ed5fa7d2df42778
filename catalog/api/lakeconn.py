"""The catalog process's read-only connection to the lake: opened once per process on first use; each
request reads through its own cursor (cursors are cheap and run side by side, opening the lake is not)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from blocklake import lake
from catalog.verification import IndexCache

_OPENING = threading.Lock()


def query(state: Any, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of ``sql`` on the lake of the app whose ``state`` is given."""
    with _OPENING:
        if getattr(state, "lake", None) is None:
            state.lake = lake.connect(read_only=True)
        cursor = state.lake.cursor()
    try:
        result = cursor.execute(sql, list(params))
        return [description[0] for description in result.description], result.fetchall()
    finally:
        cursor.close()


def records(state: Any, sql: str) -> list[dict[str, Any]]:
    """The rows of ``sql`` as dictionaries, personal items already masked by DuckDB: unmasked values never
    reach Python."""
    names, rows = query(state, sql)
    return [dict(zip(names, row, strict=True)) for row in rows]


def key_indexes(state: Any) -> IndexCache:
    """The verification key indexes of this process (:class:`catalog.verification.IndexCache`)."""
    with _OPENING:
        if getattr(state, "key_indexes", None) is None:
            state.key_indexes = IndexCache(lambda sql, params: query(state, sql, params))
        return state.key_indexes
