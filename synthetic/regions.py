"""Birth regions for resident IDs, with names and validity years from python-stdnum's database.

A resident ID is only valid (for ``stdnum.cn.ric``) if its region code was in use in the holder's birth
year, so regions are drawn per birth year from the codes valid then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
from stdnum import numdb

from blocklake.errors import ConfigError
from synthetic.vocab import LOCAL_REGIONS, OTHER_REGIONS

FIRST_YEAR, LAST_YEAR = 1900, 2030
_SPAN = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


@dataclass(frozen=True)
class Regions:
    code: np.ndarray  # int, 6 digits
    province: pa.Array
    city: pa.Array
    county: pa.Array
    weight: np.ndarray
    local: np.ndarray  # a Shenzhen code
    valid: np.ndarray  # [region, year - FIRST_YEAR]: the code may appear in IDs born that year

    def draw(self, rng: np.random.Generator, birth_year: np.ndarray, local: np.ndarray) -> np.ndarray:
        """A region index per person: local codes where ``local``, others elsewhere, valid for the year."""
        chosen = np.empty(len(birth_year), dtype=np.int64)
        for want_local in (True, False):
            rows = np.flatnonzero(local == want_local)
            chosen[rows] = self._draw_valid(rng, birth_year[rows], self.local == want_local)
        return chosen

    def _draw_valid(self, rng: np.random.Generator, years: np.ndarray, pool: np.ndarray) -> np.ndarray:
        candidates = np.flatnonzero(pool)
        chosen = np.empty(len(years), dtype=np.int64)
        order = np.argsort(years, kind="stable")
        distinct, starts = np.unique(years[order], return_index=True)
        for year, rows in zip(distinct, np.split(order, starts[1:]), strict=True):
            weights = self.valid[candidates, year - FIRST_YEAR] * self.weight[candidates]
            chosen[rows] = candidates[rng.choice(len(candidates), size=len(rows), p=weights / weights.sum())]
        return chosen


@cache
def load_regions() -> Regions:
    table = numdb.get("cn/loc")
    entries = [(code, weight, True) for code, weight in LOCAL_REGIONS]
    entries += [(code, weight, False) for code, weight in OTHER_REGIONS]
    names = [_names(table, code) for code, _, _ in entries]
    valid = np.array([_valid_years(table, code) for code, _, _ in entries])
    local = np.array([local for _, _, local in entries])
    if not all(valid[local == kind].any(axis=0)[1931 - FIRST_YEAR :].all() for kind in (True, False)):
        raise ConfigError("vocab: every birth year since 1931 needs a valid region code of each kind")
    return Regions(
        code=np.array([int(code) for code, _, _ in entries]),
        province=pa.array([n[0] for n in names]),
        city=pa.array([n[1] for n in names]),
        county=pa.array([n[2] for n in names]),
        weight=np.array([float(w) for _, w, _ in entries]),
        local=local,
        valid=valid,
    )


def _info(table: numdb.NumDB, code: str) -> dict[str, str]:
    return {key: value for _, props in table.info(code) for key, value in props.items()}


def _names(table: numdb.NumDB, code: str) -> tuple[str, str, str]:
    """Current province, prefecture and county names of a code."""
    county = _info(table, code)
    city = _info(table, code[:4] + "00").get("county", "")
    return county["province"], _latest(city), _latest(county["county"])


def _latest(names: str) -> str:
    last = names.split(",")[-1]
    match = _SPAN.match(last)
    return match.group(3) if match else last


def _valid_years(table: numdb.NumDB, code: str) -> np.ndarray:
    """Mirror of ``stdnum.cn.ric.get_birth_place``: plain names are always valid, spans bound the year."""
    years = np.zeros(LAST_YEAR - FIRST_YEAR + 1, dtype=bool)
    for name in _info(table, code)["county"].split(","):
        match = _SPAN.match(name)
        if match is None:
            years[:] = True
            continue
        start = int(match.group(1) or FIRST_YEAR)
        end = int(match.group(2) or LAST_YEAR)
        years[max(start, FIRST_YEAR) - FIRST_YEAR : min(end, LAST_YEAR) - FIRST_YEAR + 1] = True
    return years
