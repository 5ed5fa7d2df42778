"""What to generate: the run configuration, the scale profiles and the reference date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from blocklake.errors import ConfigError

AS_OF = dt.date(2026, 10, 31)
EXTRACTED_AT = dt.datetime.combine(AS_OF, dt.time(18))  # nothing in any source happens after this
DISTRICT_CODE = "440305"
CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class ScaleProfile:
    """Sizes of one scale. Table sizes follow from ``units`` through fixed per-entity ratios."""

    name: str
    target_rows: int
    units: int  # housing and office units in the base plate
    grids_per_community: int
    buildings_per_community: int
    reading_months: int  # months of water meter readings, the bulk of the volume at large scales


# Units were tuned so the total row count lands near target_rows (about 9 rows per unit plus one
# meter reading per unit and month).
SCALES: dict[str, ScaleProfile] = {
    p.name: p
    for p in (
        # name, target rows, units, grids per community, buildings per community, months of readings
        ScaleProfile("tiny", 20_000, 1_530, 1, 2, 3),
        ScaleProfile("demo", 500_000, 24_300, 3, 6, 12),
        ScaleProfile("district", 10_000_000, 307_000, 8, 40, 24),
        ScaleProfile("city", 100_000_000, 2_240_000, 20, 220, 36),
    )
}


@dataclass(frozen=True)
class GenerateConfig:
    """One generation run. DSNs are optional extra targets for the postgres and mysql departments."""

    out_dir: Path
    scale: str = "demo"
    seed: int = 440305
    postgres_dsn: str | None = None
    mysql_dsn: str | None = None
    day: int = 1  # the sources as they stand at the end of this day (synthetic.days)

    def __post_init__(self) -> None:
        if not isinstance(self.day, int) or self.day < 1:
            raise ConfigError(f"day must be 1 or later, got {self.day!r}")
        if self.scale not in SCALES:
            raise ConfigError(f"unknown scale {self.scale!r}: use one of {', '.join(SCALES)}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.postgres_dsn is not None and not self.postgres_dsn.startswith(
            ("postgresql://", "postgres://")
        ):
            raise ConfigError("postgres_dsn must be a URI such as postgresql://user@host:5432/db")
        if self.mysql_dsn is not None and not self.mysql_dsn.startswith("mysql://"):
            raise ConfigError("mysql_dsn must be a URI such as mysql://root@127.0.0.1:3306/test")

    @property
    def profile(self) -> ScaleProfile:
        return SCALES[self.scale]
