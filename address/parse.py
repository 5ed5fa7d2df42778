"""Split free-text addresses into their parts, a whole column at a time.

``parse_addresses`` cleans the texts (:mod:`.normalize`), then runs the grammar's steps
(:mod:`.grammar`) over all rows at once as Polars regex extractions, and finally brings each part to
its comparable form (building ``3``, room ``1202``, doorplate ``1088``). Nothing loops over rows.
"""

from __future__ import annotations

import re

import polars as pl

from address import normalize
from address.grammar import PARTS, STEPS, Lookup, Step

_REST = "_rest"
_BITE = "_bite"
_MATCH = "_match"
_GROUP = re.compile(r"\(\?P<(\w+)>")


def parse_addresses(texts: pl.Series) -> pl.DataFrame:
    """One row per text: the parts (null when absent) and ``normalized``, the cleaned text."""
    cleaned = normalize.clean_addresses(texts)
    frame = pl.LazyFrame({_REST: cleaned}).with_columns(pl.lit(None, pl.String).alias(part) for part in PARTS)
    for step in STEPS:
        frame = step.apply(frame, _REST) if isinstance(step, Lookup) else _bite(frame, step)
    return frame.select(normalize.comparable_parts(PARTS), normalized=cleaned).collect(engine="streaming")


def parse_address(text: str) -> dict[str, str | None]:
    """The parts of one address (the same code path as :func:`parse_addresses`)."""
    return parse_addresses(pl.Series([text], dtype=pl.String)).row(0, named=True)


def _bite(frame: pl.LazyFrame, step: Step) -> pl.LazyFrame:
    """Apply one step to every row: take its parts where it matches and cut what it matched."""
    parts = _GROUP.findall(step.pattern)
    regex = f"^(?P<{_BITE}>{step.pattern}){step.follow}"
    frame = frame.with_columns(pl.col(_REST).str.extract_groups(regex).alias(_MATCH))
    match = pl.col(_MATCH)
    taken = match.struct.field(_BITE)
    applies = taken.is_not_null()
    for part in step.unless:
        applies = applies & pl.col(part).is_null()
    for part in step.requires:
        applies = applies & pl.col(part).is_not_null()
    if step.reject_next:
        after = pl.col(_REST).str.slice(taken.str.len_chars())
        applies = applies & ~after.str.contains(f"^(?:{step.reject_next})").fill_null(False)
    updates = [pl.coalesce(pl.col(part), pl.when(applies).then(match.struct.field(part))).alias(part) for part in parts]
    eaten = pl.when(applies).then(taken.str.len_chars()).otherwise(0)
    return frame.with_columns(*updates, pl.col(_REST).str.slice(eaten).alias(_REST))
