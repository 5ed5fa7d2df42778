"""Estate names written with a typo (海韵佳园 for 海韵嘉园), matched inside small blocks only.

A name is compared with the plate's names that share its road, or two of its first, second and
last characters: one wrong character always leaves one such pair intact, and a pair is rare enough
that a block holds a handful of estates, never the whole plate. Scores come from rapidfuzz on the
candidate pairs in one vectorised call.
"""

from __future__ import annotations

import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# One wrong character in a three-character name leaves 2/3 similar; two in four leave 1/2.
MIN_SIMILARITY = 0.66
# Names this close to the best one are as likely: all of them go on as candidates.
TIE_MARGIN = 0.05
_PAIRS = ((0, 1), (0, -1), (1, -1))


def similar_estates(queries: pl.DataFrame, estate_names: pl.DataFrame, estates: pl.DataFrame) -> pl.DataFrame:
    """Candidates for names that matched no estate exactly.

    ``queries``: estate_key, road_key (one row per distinct pair). Returns estate_key, road_key,
    estate_id, similarity for every estate within ``TIE_MARGIN`` of the best one above ``MIN_SIMILARITY``.
    """
    pairs = _blocked_pairs(queries.unique(), estate_names, estates)
    if pairs.is_empty():
        return pairs.select("estate_key", "road_key", "estate_id", similarity=pl.lit(None, pl.Float64))
    similarity = process.cpdist(
        pairs["estate_key"].to_list(),
        pairs["candidate_key"].to_list(),
        scorer=Levenshtein.normalized_similarity,
        workers=-1,
    )
    scored = pairs.with_columns(similarity=pl.Series(similarity, dtype=pl.Float64))
    best = pl.col("similarity").max().over("estate_key", "road_key")
    return (
        scored.filter(pl.col("similarity") >= MIN_SIMILARITY, pl.col("similarity") >= best - TIE_MARGIN)
        .group_by("estate_key", "road_key", "estate_id")
        .agg(pl.col("similarity").max())
    )


def _blocked_pairs(queries: pl.DataFrame, estate_names: pl.DataFrame, estates: pl.DataFrame) -> pl.DataFrame:
    """(query, plate name) pairs that share a block; names too short to block (2 characters) get none."""
    names = estate_names.select("estate_id", candidate_key="estate_key").filter(
        pl.col("candidate_key").str.len_chars() >= 3
    )
    asked = queries.filter(pl.col("estate_key").str.len_chars() >= 3)
    by_letters = [
        asked.with_columns(block=_letter_pair(pl.col("estate_key"), i, j)).join(
            names.with_columns(block=_letter_pair(pl.col("candidate_key"), i, j)), on="block"
        )
        for i, j in _PAIRS
    ]
    on_road = asked.join(estates.select("estate_id", "road_key"), on="road_key").join(names, on="estate_id")
    columns = ["estate_key", "road_key", "estate_id", "candidate_key"]
    return pl.concat([frame.select(columns) for frame in (*by_letters, on_road)]).unique()


def _letter_pair(name: pl.Expr, first: int, second: int) -> pl.Expr:
    return pl.concat_str(_letter(name, first), pl.lit(str(first)), _letter(name, second), pl.lit(str(second)))


def _letter(name: pl.Expr, index: int) -> pl.Expr:
    return name.str.slice(index, 1) if index >= 0 else name.str.slice(-1, 1)
