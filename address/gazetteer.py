"""Names of China's prefectures and counties, from the region table python-stdnum ships for resident IDs.

Full names (镇海区, 桐乡市) let the parser take divisions whose names hold characters a generic
pattern must refuse (镇, 乡, 路); bare names cover the suffix people drop (温州苍南龙港镇 for
温州市苍南县龙港镇), which no generic pattern can tell from the start of an estate's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import polars as pl
from stdnum import numdb

from address import vocab

_SUFFIX = re.compile(vocab.DROPPED_SUFFIXES)
_PROVINCE_SUFFIX = re.compile(vocab.PROVINCE_LEVEL_SUFFIXES)
_YEARS = re.compile(r"^\[[^\]]*\]")  # [1983-1989]南头区办事处: the years a name was in use


@dataclass(frozen=True)
class DivisionNames:
    """Each tuple longest first, so a regex alternation prefers 九龙坡区 over 九龙."""

    prefectures: tuple[str, ...]  # 温州市, 湘西土家族苗族自治州
    counties: tuple[str, ...]  # 苍南县, 鹿城区, 义乌市
    bare: tuple[str, ...]  # 温州, 苍南, 鹿城: names without suffix, at least two characters


@cache
def division_names() -> DivisionNames:
    prefectures: set[str] = set()
    counties: set[str] = set()
    for code, name in _named_codes():
        (prefectures if code.endswith("00") else counties).add(name)
    bare = {bare_name(name) for name in prefectures | counties}
    return DivisionNames(_longest_first(prefectures), _longest_first(counties), _longest_first(bare))


def region_names(district_code: str) -> frozenset[str]:
    """Province, city and district names of a 6-digit district code, with and without suffix
    (广东省 广东 深圳市 深圳 南山区 南山): what an address inside that district may start with."""
    table = numdb.get("cn/loc")
    found: set[str] = set()
    for code in (district_code[:2] + "0000", district_code[:4] + "00", district_code):
        for _part, props in table.info(code):
            for value in (props.get("province", ""), props.get("county", "")):
                found.update(_YEARS.sub("", name) for name in value.split(",") if name)
    return frozenset(found | {_PROVINCE_SUFFIX.sub("", name) for name in found})


def _named_codes() -> Iterator[tuple[str, str]]:
    """(6-digit code, name) of every prefecture and county, old names included (addresses outlive reforms)."""
    stack = [("", entry) for entry in numdb.get("cn/loc").prefixes]
    while stack:
        parent, (length, low, high, props, children) = stack.pop()
        for number in range(int(low), int(high) + 1):
            code = parent + str(number).zfill(length)
            for name in props.get("county", "").split(","):
                name = _YEARS.sub("", name)
                if name and name not in vocab.NOT_PLACES and len(code) == 6:
                    yield code, name
            stack.extend((code, child) for child in children)


def bare_name(name: str) -> str:
    """温州市 → 温州, 苍南县 → 苍南: the name as people write it without its suffix."""
    # Autonomous units go by their first two characters: 长阳土家族自治县 → 长阳, 延边朝鲜族自治州 → 延边.
    return name[:2] if vocab.AUTONOMOUS in name else _SUFFIX.sub("", name)


def _longest_first(names: set[str]) -> tuple[str, ...]:
    return tuple(sorted((name for name in names if len(name) >= 2), key=lambda name: (-len(name), name)))


def bare_names(names: pl.Expr) -> pl.Expr:
    """:func:`bare_name` on a whole column."""
    return (
        pl.when(names.str.contains(vocab.AUTONOMOUS))
        .then(names.str.slice(0, 2))
        .otherwise(names.str.replace(vocab.DROPPED_SUFFIXES, "").str.replace(vocab.PROVINCE_LEVEL_SUFFIXES, ""))
    )
