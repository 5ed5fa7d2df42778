"""规划和自然资源局: the standard address base — estates, buildings, units and doorplates."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import STANDARD
from synthetic.chunks import Chunk
from synthetic.fields import decimals, recent_times, serials, text_of, words_at
from synthetic.plate import USAGES
from synthetic.records import building_addresses
from synthetic.schema import (
    Department,
    TableSpec,
    decimal,
    integer,
    timestamp,
    varchar,
)
from synthetic.world import TableContext


def _estates(ctx: TableContext) -> Iterator[Chunk]:
    plate = ctx.world.plate
    estates = plate.estates
    communities = pa.array([c.code for c in plate.communities])
    for rows in ctx.slices(len(estates.size)):
        n = rows.stop - rows.start
        yield (
            ctx.builder(estates.estate_id[rows])
            .set("estate_id", estates.estate_id[rows])
            .set("estate_name", estates.name[rows])
            .set("alias_names", pc.binary_join(estates.aliases[rows], ","))
            .set("community_code", communities.take(pa.array(estates.community[rows])))
            .set("road_name", words_at(plate.roads, estates.road[rows]))
            .set("updated_at", recent_times(ctx.rng, n))
            .build()
        )


def _buildings(ctx: TableContext) -> Iterator[Chunk]:
    plate = ctx.world.plate
    b = plate.buildings
    communities = pa.array([c.code for c in plate.communities])
    for rows in ctx.slices(len(b.floors)):
        index = np.arange(rows.start, rows.stop)
        estate = b.estate[index]
        estate_id = plate.estates.estate_id.take(pa.array(estate, pa.int64(), mask=estate < 0))
        yield (
            ctx.builder(b.code[rows])
            .set("building_code", b.code[rows])
            .set("building_name", _building_names(ctx, index))
            .set("estate_id", estate_id)
            .set("road_name", words_at(plate.roads, b.road[index]))
            .set("door_no", text_of(b.door[index], "号"))
            .address("std_address", building_addresses(plate, index, STANDARD, ctx.rng))
            .set("community_code", communities.take(pa.array(b.community[index])))
            .set("grid_code", plate.grids.code.take(pa.array(b.grid[index])))
            .set("floors", b.floors[index])
            .set("usage", words_at(USAGES, b.usage[index]))
            .set("built_year", b.built_year[index])
            .set("longitude", decimals(b.longitude[index], 6))
            .set("latitude", decimals(b.latitude[index], 6))
            .set("updated_at", recent_times(ctx.rng, len(index)))
            .build()
        )


def _building_names(ctx: TableContext, index: np.ndarray) -> pa.Array:
    """海韵嘉园3栋 in an estate, the tower's name if it has one, else its doorplate."""
    plate = ctx.world.plate
    b = plate.buildings
    estate = b.estate[index]
    estate_name = plate.estates.name.take(pa.array(estate, pa.int64(), mask=estate < 0))
    numbered = pc.binary_join_element_wise(estate_name, text_of(b.number[index]), "栋", "")
    doorplate = pc.binary_join_element_wise(
        words_at(plate.roads, b.road[index]), text_of(b.door[index]), "号", ""
    )
    return pc.coalesce(numbered, b.name.take(pa.array(index)), doorplate)


def _units(ctx: TableContext) -> Iterator[Chunk]:
    plate = ctx.world.plate
    units = plate.units
    for rows in ctx.slices(plate.unit_count):
        index = np.arange(rows.start, rows.stop)
        codes = plate.unit_codes(index)
        yield (
            ctx.builder(codes)
            .set("unit_code", codes)
            .set("building_code", plate.buildings.code.take(pa.array(units.building[index])))
            .set("floor", units.floor[index])
            .set("room_no", plate.room_numbers(index))
            .set("area_sqm", decimals(units.area_sqm[index]))
            .set("usage", words_at(USAGES, plate.buildings.usage[units.building[index]]))
            .set("updated_at", recent_times(ctx.rng, len(index)))
            .build()
        )


def _doorplates(ctx: TableContext) -> Iterator[Chunk]:
    plate = ctx.world.plate
    plates = plate.doorplates
    for rows in ctx.slices(len(plates.door)):
        ids = serials("MP", rows.start + 1, rows.stop + 1, 10)
        yield (
            ctx.builder(ids)
            .set("doorplate_id", ids)
            .set("road_name", words_at(plate.roads, plates.road[rows]))
            .set("door_no", text_of(plates.door[rows], "号"))
            .set("building_code", plate.buildings.code.take(pa.array(plates.building[rows])))
            .set("updated_at", recent_times(ctx.rng, rows.stop - rows.start))
            .build()
        )


DEPARTMENT = Department(
    code="natres",
    title="规划和自然资源局",
    kind="postgres",
    tables=(
        TableSpec(
            "std_estate",
            "标准小区",
            (
                varchar("estate_id", 20),
                varchar("estate_name", 64),
                varchar("alias_names", 128),
                varchar("community_code", 12),
                varchar("road_name", 32),
                timestamp("updated_at"),
            ),
            ("estate_id",),
            _estates,
            referenced=True,
        ),
        TableSpec(
            "std_building",
            "标准楼栋",
            (
                varchar("building_code", 19),
                varchar("building_name", 64),
                varchar("estate_id", 20),
                varchar("road_name", 32),
                varchar("door_no", 16),
                varchar("std_address", 200),
                varchar("community_code", 12),
                varchar("grid_code", 15),
                integer("floors"),
                varchar("usage", 8),
                integer("built_year"),
                decimal("longitude", 10, 6),
                decimal("latitude", 10, 6),
                timestamp("updated_at"),
            ),
            ("building_code",),
            _buildings,
            referenced=True,
        ),
        TableSpec(
            "std_unit",
            "标准房屋",
            (
                varchar("unit_code", 23),
                varchar("building_code", 19),
                integer("floor"),
                varchar("room_no", 8),
                decimal("area_sqm", 10, 2),
                varchar("usage", 8),
                timestamp("updated_at"),
            ),
            ("unit_code",),
            _units,
            referenced=True,
        ),
        TableSpec(
            "std_doorplate",
            "标准门牌",
            (
                varchar("doorplate_id", 12),
                varchar("road_name", 32),
                varchar("door_no", 16),
                varchar("building_code", 19),
                timestamp("updated_at"),
            ),
            ("doorplate_id",),
            _doorplates,
            referenced=True,
        ),
    ),
)
