"""The base plate (底板) of standard addresses, keyed the way parsed addresses can be joined to it.

Built once from the natural-resources tables (std_estate, std_building, std_unit, std_doorplate),
every name and number goes through the same normalisation as the parser's output, so matching is a
set of plain equi-joins.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from address import normalize
from address.gazetteer import region_names
from blocklake.errors import BlocklakeError
from blocklake.settings import PROJECT_ROOT

DIVISIONS_CSV = PROJECT_ROOT / "blocklake" / "reference" / "shenzhen_divisions.csv"
PLATE_TABLES = ("std_estate", "std_building", "std_unit", "std_doorplate")
_REQUIRED = {
    "std_estate": ("estate_id", "estate_name", "alias_names", "community_code"),
    "std_building": ("building_code", "building_name", "estate_id", "road_name", "door_no", "community_code"),
    "std_unit": ("unit_code", "building_code", "room_no"),
    "std_doorplate": ("road_name", "door_no", "building_code"),
}


class PlateError(BlocklakeError):
    """The base plate tables are missing or lack a column the matcher needs."""


@dataclass(frozen=True)
class BasePlate:
    """Join keys of the plate. Every ``*_key`` column is normalised like the parser's parts.

    - ``estate_names``: estate_key, estate_id, alias (false for the official name)
    - ``estates``: estate_id, estate_key, community_code, road_key
    - ``buildings``: building_code, estate_id, building_no (null when it stands alone),
      name_key (own name of a standalone building, e.g. 海岸大厦), community_code
    - ``doorplates``: road_key, door, building_code
    - ``units``: building_code, room, unit_code
    - ``divisions``: name_key, level (street / community), code prefix of the buildings inside
    """

    estate_names: pl.DataFrame
    estates: pl.DataFrame
    buildings: pl.DataFrame
    doorplates: pl.DataFrame
    units: pl.DataFrame
    divisions: pl.DataFrame
    region_names: frozenset[str]  # province, city and district names that mean "inside the plate"

    @classmethod
    def from_frames(
        cls,
        estates: pl.DataFrame,
        buildings: pl.DataFrame,
        units: pl.DataFrame,
        doorplates: pl.DataFrame,
        divisions_csv: Path = DIVISIONS_CSV,
    ) -> BasePlate:
        for table, frame in zip(PLATE_TABLES, (estates, buildings, units, doorplates), strict=True):
            _check_columns(table, frame)
        divisions = pl.read_csv(divisions_csv, schema_overrides={"code": pl.String, "parent_code": pl.String})
        districts = {code[:6] for code in buildings["community_code"].drop_nulls().unique()}
        return cls(
            estate_names=_estate_names(estates),
            estates=_estates(estates),
            buildings=_buildings(buildings, estates),
            doorplates=_doorplates(doorplates, buildings),
            units=_units(units),
            divisions=_divisions(divisions, districts),
            region_names=frozenset().union(*(region_names(district) for district in districts)),
        )

    @classmethod
    def from_sqlite(cls, path: Path) -> BasePlate:
        """The plate from a SQLite copy of the natural-resources database (as the generator writes it)."""
        if not Path(path).is_file():
            raise PlateError(f"no base plate database at {path}")
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            present = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [table for table in PLATE_TABLES if table not in present]
            if missing:
                raise PlateError(f"{path} lacks base plate table(s) {', '.join(missing)}")
            frames = [
                pl.read_database(f"SELECT * FROM {table}", connection, infer_schema_length=None)
                for table in PLATE_TABLES
            ]
        return cls.from_frames(*frames)


def _check_columns(table: str, frame: pl.DataFrame) -> None:
    missing = [column for column in _REQUIRED[table] if column not in frame.columns]
    if missing:
        raise PlateError(f"{table} lacks column(s) {', '.join(missing)}")


def _key(column: str | pl.Expr) -> pl.Expr:
    """A name as the parser would write it (cleaned, same numerals and markers)."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.map_batches(normalize.clean_addresses, return_dtype=pl.String)


def _estate_names(estates: pl.DataFrame) -> pl.DataFrame:
    official = estates.select("estate_id", estate_key=_key("estate_name"), alias=pl.lit(False))
    aliases = (
        estates.select("estate_id", name=pl.col("alias_names").fill_null("").str.split(","))
        .explode("name")
        .filter(pl.col("name").str.strip_chars() != "")
        .select("estate_id", estate_key=_key("name"), alias=pl.lit(True))
    )
    return pl.concat([official, aliases]).unique(["estate_id", "estate_key"], keep="first")


def _estates(estates: pl.DataFrame) -> pl.DataFrame:
    road = _key("road_name") if "road_name" in estates.columns else pl.lit(None, pl.String)
    return estates.select("estate_id", "community_code", estate_key=_key("estate_name"), road_key=road)


def _buildings(buildings: pl.DataFrame, estates: pl.DataFrame) -> pl.DataFrame:
    """A ``building_no`` column is used when the plate has one; else the number comes from the name:
    海韵嘉园3栋 minus the estate's name is 3栋."""
    names = estates.select("estate_id", "estate_name")
    from_name = pl.col("building_name").str.strip_prefix(pl.col("estate_name").fill_null(""))
    own = from_name
    if "building_no" in buildings.columns:
        own = pl.coalesce(pl.col("building_no").cast(pl.String), from_name)
    in_estate = pl.col("estate_id").is_not_null()
    return (
        buildings.join(names, on="estate_id", how="left")
        .with_columns(own=own)
        .select(
            "building_code",
            "estate_id",
            "community_code",
            building_no=pl.when(in_estate).then(normalize.building_number(_key("own"))),
            name_key=pl.when(~in_estate).then(_key("building_name")),
        )
    )


def _doorplates(doorplates: pl.DataFrame, buildings: pl.DataFrame) -> pl.DataFrame:
    """Every plate on a road, plus each building's own road and number (some plates lack a row)."""
    both = pl.concat(
        [frame.select("road_name", "door_no", "building_code") for frame in (doorplates, buildings)]
    )
    return both.select(
        "building_code", road_key=_key("road_name"), door=normalize.door_number(_key("door_no"))
    ).unique()


def _units(units: pl.DataFrame) -> pl.DataFrame:
    # Room numbers in the plate are plain digits already (1202); only stray markers need to go.
    room = normalize.room_number(pl.col("room_no").cast(pl.String).str.strip_chars())
    return units.select("building_code", "unit_code", room=room)


def _divisions(divisions: pl.DataFrame, districts: set[str]) -> pl.DataFrame:
    """Street and community names of the plate's districts, with the code prefix they cover."""
    inside = divisions.filter(
        pl.col("code").str.slice(0, 6).is_in(sorted(districts)) & pl.col("level").is_in(["street", "community"])
    )
    prefix_length = pl.when(pl.col("level") == "street").then(9).otherwise(12)
    name = pl.when(pl.col("level") == "community").then(normalize.community_name(_key("name"))).otherwise(_key("name"))
    return inside.select(name_key=name, level="level", code_prefix=pl.col("code").str.slice(0, prefix_length))
