"""The official division codes of the district: its streets and communities."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from blocklake.errors import ConfigError
from blocklake.settings import PROJECT_ROOT

DIVISIONS_CSV = PROJECT_ROOT / "blocklake" / "reference" / "shenzhen_divisions.csv"


@dataclass(frozen=True)
class Community:
    code: str  # 12 digits
    name: str  # short form as people say it, e.g. 南头城社区
    street_code: str  # 12 digits, padded
    street_name: str
    virtual: bool  # 前海合作区虚拟社区: a statistical placeholder where nobody lives

    @property
    def street_suffix(self) -> str:
        """The 3-digit street part of the code (e.g. '001'), which keys the road lists."""
        return self.street_code[6:9]


def load_communities(district: str, path: Path = DIVISIONS_CSV) -> tuple[Community, ...]:
    """All communities of ``district`` in code order, with their street."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["code"].startswith(district)]
    streets = {row["code"]: row["name"] for row in rows if row["level"] == "street"}
    communities = tuple(
        Community(
            code=row["code"],
            name=_short_name(row["name"]),
            street_code=row["parent_code"],
            street_name=streets[row["parent_code"]],
            virtual="虚拟" in row["name"],
        )
        for row in sorted(rows, key=lambda r: r["code"])
        if row["level"] == "community"
    )
    if not communities:
        raise ConfigError(f"no communities of district {district} in the division codes", path=path)
    return communities


def _short_name(official: str) -> str:
    # Official names end in 居委会 or 居民委员会; residents, forms and grid names drop that part.
    return official.removesuffix("居民委员会").removesuffix("居委会")
