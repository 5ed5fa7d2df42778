"""Towns and villages written without their suffix, found in the national gazetteer.

Addresses name places as people say them: 鄞州区下应 for 下应街道, 姜家山乡柴家 for 柴家村. No pattern
can tell such a name from the start of an estate's or a shop's, but the gazetteer can, once the
address has said where it is: the start of what is left is taken as the town (or the community) when
it is the name, full or bare, of a town (a village) under the province, prefecture, county (and
town) the address names. The longest such name wins; one that names places of more than one town
there is ambiguous and refused, and so is one followed by a road, a town or a facility's word
(梅墟北二路, 金山新村, 乌石工业区).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from address import vocab
from address.divisions import LEVELS, PLACE, town_names, village_names
from address.gazetteer import bare_names

NAME_LENGTHS = range(2, 8)  # 柴家 … 协塘家自然村
HAN = r"\p{Han}"
_ROW = "_row"
_NAME, _LENGTH = "_name", "_length"
_DIVISIONS = ("province", "city", "district")
_NUMBER = f"[{vocab.CHINESE_DIGITS}{vocab.TEN}0-9]"
# What, right after a name, shows it is no place: a road (梅墟北二路, 双昆头路), a town (柳堡镇), a
# suffix that makes it part of a longer name (南头城社区 is no 南头), or an estate named after the
# place, as its buildings show (学府台1栋, 招商居1栋, 前海府2-301).
_NOT_AFTER_PLACE = (
    f"{HAN}?[{vocab.ROAD_DIRECTIONS}]?{_NUMBER}{{0,2}}{vocab.ROAD_SUFFIXES}|{vocab.STREET_SUFFIXES}"
    f"|{HAN}?(?:{vocab.VILLAGE}|{vocab.COMMUNITY})|{vocab.DISTRICT}|{vocab.CITY}"
    f"|{HAN}{{0,3}}(?:[A-Z]?\\d+[A-Z]?|[A-Z])(?:{vocab.BUILDING}|{vocab.ENTRANCE}|{vocab.FLOOR}|-\\d)"
)
# And for a village: a numbered part of an estate (凌云2区, 稠山二区, 石堰南区, 新田园4组团) or a
# facility the name only qualifies (乌石工业区, 白马湖创意园, 瓜山东苑, 双菱新村). A town is followed by
# its estates and zones as a matter of course (三墩同仁家园, 庄市工业园).
_NOT_AFTER_VILLAGE = (
    f"{_NOT_AFTER_PLACE}"
    f"|[A-Z{vocab.ROAD_DIRECTIONS}]?{_NUMBER}*(?:{vocab.DISTRICT}|{vocab.CLUSTER})"
    f"|{HAN}{{0,4}}?(?:{vocab.FACILITY_WORDS}|{vocab.ESTATE_TAILS})"
)


@dataclass(frozen=True)
class PlaceLookup:
    """Where a row lacks ``part`` but names its ``context``, take a gazetteer name of ``names`` from the
    front of the unparsed text."""

    part: str
    names: Callable[[], pl.DataFrame]
    context: tuple[str, ...]
    not_after: str  # a regex: a name followed by this is refused

    def __call__(self, frame: pl.LazyFrame, rest: str) -> pl.LazyFrame:
        # Collected here: the rows are read twice below, and a lazy frame would run every step before
        # this one twice over.
        frame = frame.with_row_index(_ROW).collect(engine="streaming").lazy()
        found = self._found(frame, rest)
        frame = frame.join(found, on=_ROW, how="left", maintain_order="left")
        return frame.with_columns(
            pl.coalesce(self.part, _NAME).alias(self.part),
            pl.col(rest).str.slice(pl.col(_LENGTH).fill_null(0)).alias(rest),
        ).drop(_ROW, _NAME, _LENGTH)

    def _found(self, frame: pl.LazyFrame, rest: str) -> pl.LazyFrame:
        """(row, name, length) where exactly one place of the address's context starts ``rest``."""
        placed = pl.any_horizontal(pl.col(part).is_not_null() for part in self.context)
        scope = frame.filter(pl.col(self.part).is_null() & placed).select(
            _ROW,
            rest,
            *(bare_names(pl.col(division)).alias(division) for division in _DIVISIONS),
            street=pl.col("street").str.replace(f"{vocab.TOWN_NAME_SUFFIXES}$", ""),
        )
        prefixes = pl.concat(
            scope.with_columns(pl.col(rest).str.slice(0, length).alias("name"), pl.lit(length).alias(_LENGTH))
            for length in NAME_LENGTHS
        ).filter(pl.col("name").str.len_chars() == pl.col(_LENGTH))
        province, city, county = (
            pl.col(division).is_null() | pl.any_horizontal(pl.col(division) == pl.col(level) for level in LEVELS)
            for division in _DIVISIONS
        )
        hits = prefixes.join(_names_around(self.names().lazy(), scope), on="name").filter(
            province, city, ~pl.col(rest).str.slice(pl.col(_LENGTH)).str.contains(f"^(?:{self.not_after})")
        )
        # Under the county the address names; when none of its places has the name, under the prefecture
        # it names (the county may have been renamed or split: 余杭区临平 is in 临平区 since 2021).
        hits = hits.filter(county | (~county.any().over(_ROW) & pl.col("city").is_not_null()))
        # Under the town the address names; when no place there has the name, under the county it names
        # (the town may be written under an old name: 姜家山乡 has merged into 华墅乡).
        in_town = (pl.col("street") == pl.col("town_bare")).fill_null(False)
        hits = hits.filter(in_town | (~in_town.any().over(_ROW) & pl.col("district").is_not_null()))
        longest = hits.filter(pl.col(_LENGTH) == pl.col(_LENGTH).max().over(_ROW))
        return (
            longest.group_by(_ROW)
            .agg(pl.col("name").first().alias(_NAME), pl.col(_LENGTH).first(), places=pl.concat_str(PLACE).n_unique())
            .filter(pl.col("places") == 1)
            .select(_ROW, _NAME, _LENGTH)
        )


def _names_around(names: pl.LazyFrame, scope: pl.LazyFrame) -> pl.LazyFrame:
    """The gazetteer's names under the prefectures, counties and towns the rows in ``scope`` name: a small table to
    join the rows' prefixes with, instead of the whole country."""
    keys = scope.select(key=pl.concat_list("city", "district", "street")).explode("key").drop_nulls().unique()
    levels = ("county_bare", "prefecture_bare", "town_bare")
    return pl.concat(names.join(keys, left_on=level, right_on="key", how="semi") for level in levels).unique()


# A town needs its county around it: bare town names are common words (和睦桥 is no town 和睦).
take_towns = PlaceLookup("street", town_names, context=("district",), not_after=_NOT_AFTER_PLACE)
take_villages = PlaceLookup("community", village_names, context=("district", "street"), not_after=_NOT_AFTER_VILLAGE)
