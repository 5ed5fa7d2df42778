"""The national division gazetteer: every town and village (or community) of China under its county.

Derived from the five-level location dictionary in jionlp 1.5.31 (Apache-2.0) by
:mod:`address.gazetteer_build` into ``address/data/divisions.tsv.xz`` (one row per village, < 3 MiB
compressed). It is read once, on first use, into Polars frames keyed by every name a place is
written with: in full (姜家山乡, 柴家村, 梅墟社区) and without its suffix (姜家山, 柴家, 梅墟).
"""

from __future__ import annotations

import lzma
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


@cache
def _villages() -> pl.DataFrame:
    if not DIVISIONS_FILE.is_file():
        raise GazetteerMissingError(
            f"gazetteer file not found: {DIVISIONS_FILE}; regenerate it with python -m address.gazetteer_build"
        )
    villages = pl.read_csv(
        lzma.decompress(DIVISIONS_FILE.read_bytes()),
        separator="\t",
        schema={column: pl.String for column in GAZETTEER_COLUMNS},
    )
    return villages.select(
        "county_code",
        "town",
        "village",
        *(bare_names(pl.col(level)).alias(f"{level}_bare") for level in ("province", "prefecture", "county")),
        town_bare=pl.col("town").str.replace(f"{vocab.TOWN_NAME_SUFFIXES}$", ""),
    )


@cache
def town_names() -> pl.DataFrame:
    """One row per (written name, town): ``name``, :data:`PLACE` and :data:`LEVELS`."""
    towns = _villages().select(*PLACE, *LEVELS, full="town").unique()
    return _written(towns, towns["town_bare"])


@cache
def village_names() -> pl.DataFrame:
    """One row per (written name, village): ``name``, :data:`PLACE` and :data:`LEVELS`. A bare name
    that is also a town's of the same county (洪殿, 下应) is the town's only."""
    villages = _villages().select(*PLACE, *LEVELS, full="village")
    bare = villages["full"].str.replace(f"{vocab.VILLAGE_NAME_SUFFIXES}$", "")
    written = _written(villages, bare)
    town_bare = town_names().filter(pl.col("name") == pl.col("town_bare")).select("county_code", "name")
    return written.join(town_bare, on=["county_code", "name"], how="anti")


def _written(places: pl.DataFrame, bare: pl.Series) -> pl.DataFrame:
    """Each place under its full name and under its bare one, where that is a name of its own: two
    characters or more, and not ending like a road (温州路社区 without 社区 would read as a road)."""
    full = places.select("full", *PLACE, *LEVELS).rename({"full": "name"})
    usable = (
        (bare != places["full"])
        & (bare.str.len_chars() >= MIN_BARE_LENGTH)
        & ~bare.str.contains(f"(?:{vocab.ROAD_SUFFIXES}|{vocab.LANE})$")
    )
    bare_rows = places.with_columns(name=bare).filter(usable).select("name", *PLACE, *LEVELS)
    return pl.concat([full, bare_rows]).unique()
