"""The national division gazetteer: every town and village (or community) of China under its county.

Derived from the five-level location dictionary in jionlp 1.5.31 (Apache-2.0) by
:mod:`address.gazetteer_build` into ``address/data/divisions.tsv.xz`` (one row per village, < 3 MiB
compressed). It is read once, on first use, into Polars frames keyed by every name a place is
written with: in full (姜家山乡, 柴家村, 梅墟社区) and without its suffix (姜家山, 柴家, 梅墟).
"""

from __future__ import annotations

import lzma
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from address import vocab
from address.gazetteer import bare_names
from blocklake.errors import BlocklakeError

DIVISIONS_FILE = Path(__file__).resolve().parent / "data" / "divisions.tsv.xz"
GAZETTEER_COLUMNS = ("county_code", "province", "prefecture", "county", "town", "village")
LEVELS = ("province_bare", "prefecture_bare", "county_bare")  # what an address's divisions are compared with
PLACE = ("county_code", "town_bare")  # one town; a name naming villages of two towns is ambiguous
MIN_BARE_LENGTH = 2  # a one-character name (柳) is too common in other words to be taken bare


class GazetteerMissingError(BlocklakeError):
    """The derived gazetteer file is not in the package."""


@dataclass(frozen=True)
class Gazetteer:
    """Towns and villages, each under every name it is written with (:func:`_written`)."""

    towns: pl.DataFrame
    villages: pl.DataFrame


@cache
def gazetteer() -> Gazetteer:
    """Read once per process, on first use (under a second, see ``bench/results/address.json``)."""
    # Lazy and streamed: the whole-column string work at once would more than double the load's peak.
    places = _read_villages().lazy()
    towns = _written(places.select(*PLACE, *LEVELS, full="town").unique(), vocab.TOWN_NAME_SUFFIXES)
    towns = towns.collect(engine="streaming")
    villages = _written(places.select(*PLACE, *LEVELS, full="village"), vocab.VILLAGE_NAME_SUFFIXES)
    # A bare name that is also a town's of the same county (洪殿, 下应) is the town's only.
    town_bare = towns.lazy().filter(pl.col("name") == pl.col("town_bare")).select("county_code", "name")
    villages = villages.join(town_bare, on=["county_code", "name"], how="anti").collect(engine="streaming")
    return Gazetteer(towns, villages)


def town_names() -> pl.DataFrame:
    """One row per (written name, town): ``name``, :data:`PLACE` and :data:`LEVELS`."""
    return gazetteer().towns


def village_names() -> pl.DataFrame:
    """One row per (written name, village): ``name``, :data:`PLACE` and :data:`LEVELS`."""
    return gazetteer().villages


def _read_villages() -> pl.DataFrame:
    if not DIVISIONS_FILE.is_file():
        raise GazetteerMissingError(
            f"gazetteer file not found: {DIVISIONS_FILE}; regenerate it with python -m address.gazetteer_build"
        )
    with lzma.open(DIVISIONS_FILE) as text:
        villages = pl.read_csv(text, separator="\t", schema={column: pl.String for column in GAZETTEER_COLUMNS})
    return villages.select(
        "county_code",
        "town",
        "village",
        *(bare_names(pl.col(level)).alias(f"{level}_bare") for level in ("province", "prefecture", "county")),
        town_bare=pl.col("town").str.replace(f"{vocab.TOWN_NAME_SUFFIXES}$", ""),
    )


def _written(places: pl.LazyFrame, suffixes: str) -> pl.LazyFrame:
    """Each place under its full name and its bare one (the full name without ``suffixes``). Names
    that do not end in ``suffixes`` (保利城, 生活区) are estates' and facilities', not places'; a bare name
    needs two characters or more and must not end like a road, an estate or a facility (温州路社区,
    怡海花园社区 without 社区 name the road and the estate)."""
    ends = f"(?:{suffixes})$"
    places = places.filter(pl.col("full").str.contains(ends)).with_columns(bare=pl.col("full").str.replace(ends, ""))
    not_a_place = f"(?:{vocab.ROAD_SUFFIXES}|{vocab.LANE}|{vocab.ESTATE_TAILS}|{vocab.FACILITY_WORDS})$"
    bare = places.filter(
        (pl.col("bare").str.len_chars() >= MIN_BARE_LENGTH) & ~pl.col("bare").str.contains(not_a_place)
    )
    return pl.concat([places.with_columns(name="full"), bare.with_columns(name="bare")]).select("name", *PLACE, *LEVELS)
