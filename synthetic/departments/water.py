"""水务集团: a water meter per unit and its monthly readings (the largest table by far)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressStyle
from synthetic.chunks import Chunk
from synthetic.config import AS_OF
from synthetic.dates import day, format_days, random_times
from synthetic.fields import decimals, pick, touched_since
from synthetic.records import PersonStyle, person_names, unit_addresses
from synthetic.schema import Department, TableSpec, bigint, date, decimal, timestamp, varchar
from synthetic.world import TableContext, World

# Meter installers write what is on the door: estate (or its old name) and building, rooms as 12-02.
_ADDRESSES = AddressStyle(
    prefix=(0.0, 0.05, 0.35, 0.6),
    street=0.05,
    community=0.05,
    locator=(0.1, 0.25, 0.65),
    alias=0.35,
    numerals=(0.75, 0.1, 0.15),
    building_suffix=(0.55, 0.3, 0.15, 0.0),
    room_format=(0.2, 0.3, 0.15, 0.35, 0.0),
    missing_room=0.02,
    spaces=0.1,
    typo=0.03,
)
_PEOPLE = PersonStyle(name_space=0.03)
_METER_TYPES = ("机械水表", "远传水表", "IC卡智能水表")
_UNIT_CODE_MISSING, _UNIT_CODE_WRONG = 0.15, 0.15  # the rest (~70%) carry the right unit code


def _reading_months(world: World) -> np.ndarray:
    last = day(AS_OF).astype("datetime64[M]")
    return last - np.arange(world.profile.reading_months)[::-1]


def _account_holders(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: the household head living there and the company registered there (or -1 each)."""
    people, companies = world.people, world.companies
    head = np.full(world.plate.unit_count, -1)
    head[people.unit[people.head]] = people.head
    company = np.full(world.plate.unit_count, -1)
    company[companies.unit] = np.arange(len(companies))
    return head, company


def _meter_table(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    plate = world.plate
    head, company = _account_holders(world)
    owners = world.people.adults()
    window_start = _reading_months(world)[0].astype("datetime64[D]")
    for rows in ctx.slices(plate.unit_count):
        unit = np.arange(rows.start, rows.stop)
        n = len(unit)
        keys = _meter_numbers(unit)
        person = np.where(head[unit] >= 0, head[unit], ctx.rng.choice(owners, size=n))
        names = person_names(world.people, person, _PEOPLE, ctx.rng)
        firm = company[unit]
        firm_names = world.companies.name.take(pa.array(firm, pa.int64(), mask=firm < 0))
        built_year = plate.buildings.built_year[plate.units.building[unit]]
        built = (built_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
        installed = np.minimum(
            built + ctx.rng.integers(0, 3 * 365, n).astype("timedelta64[D]"), window_start - 1
        )
        yield (
            ctx.builder(keys)
            .set("meter_no", keys)
            .set("account_name", pc.if_else(pa.array((head[unit] < 0) & (firm >= 0)), firm_names, names))
            .address("install_address", unit_addresses(plate, unit, _ADDRESSES, ctx.rng))
            .set("unit_code", _recorded_unit_codes(ctx, unit))
            .set("install_date", installed)
            .set("meter_type", pick(ctx.rng, _METER_TYPES, n, (0.5, 0.35, 0.15)))
            .set("updated_at", touched_since(ctx.rng, installed))
            .build()
        )


def _recorded_unit_codes(ctx: TableContext, unit: np.ndarray) -> pa.Array:
    """Right for most meters; missing, or a unit of another building, for the rest."""
    plate = ctx.world.plate
    draw = ctx.rng.random(len(unit))
    other = ctx.rng.integers(0, plate.unit_count, len(unit))
    same_building = plate.units.building[other] == plate.units.building[unit]
    next_building = plate.buildings.first_unit[plate.units.building[unit] + 1] % plate.unit_count
    other = np.where(same_building, next_building, other)
    recorded = np.where(draw < _UNIT_CODE_MISSING + _UNIT_CODE_WRONG, other, unit)
    return pc.if_else(
        pa.array(draw < _UNIT_CODE_MISSING), pa.scalar(None, pa.string()), plate.unit_codes(recorded)
    )


def _readings(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    months = _reading_months(world)
    m = len(months)
    occupants = np.bincount(world.people.unit, minlength=world.plate.unit_count)
    _, company = _account_holders(world)
    for rows in ctx.slices(world.plate.unit_count, rows_per_item=m):
        unit = np.arange(rows.start, rows.stop)
        usage = _monthly_usage(ctx.rng, occupants[unit], company[unit] >= 0, m)
        reading = np.round(ctx.rng.uniform(0, 3000, len(unit))[:, None] + np.cumsum(usage, axis=1), 2)
        meter = np.repeat(unit, m)
        month = np.tile(months, len(unit))
        read_on = month.astype("datetime64[D]") + ctx.rng.integers(17, 27, len(meter))  # late in the month
        ids = meter.astype(np.int64) * m + np.tile(np.arange(m), len(unit)) + 1
        yield (
            ctx.builder(pa.array(ids))
            .set("reading_id", ids)
            .set("meter_no", _meter_numbers(meter))
            .set("reading_month", format_days(month.astype("datetime64[D]"), "{YYYY}-{MM}"))
            .set("reading", decimals(reading.ravel()))
            .set("usage_m3", decimals(usage.ravel()))
            .set("read_at", random_times(ctx.rng, read_on))
            .build()
        )


def _meter_numbers(meter: np.ndarray) -> pa.Array:
    numbers = pc.utf8_lpad(pc.cast(pa.array(meter + 1), pa.string()), width=10, padding="0")
    return pc.binary_join_element_wise("SB", numbers, "")


def _monthly_usage(
    rng: np.random.Generator, occupants: np.ndarray, has_company: np.ndarray, months: int
) -> np.ndarray:
    """Cubic metres per month: ~3.6 per resident, more for businesses, next to nothing when vacant —
    the signal used to find empty homes."""
    n = len(occupants)
    base = np.where(occupants > 0, occupants * 3.6, np.where(has_company, 12.0, 0.0))
    usage = base[:, None] * rng.gamma(4.0, 0.25, (n, months))
    idle = rng.uniform(0, 0.3, (n, months)) * (rng.random((n, 1)) < 0.3)  # drips and the odd visit
    return np.round(usage + idle, 2)


DEPARTMENT = Department(
    code="water",
    title="水务集团",
    kind="postgres",
    tables=(
        TableSpec(
            "water_meter",
            "水表档案",
            (
                varchar("meter_no", 12),
                varchar("account_name", 100),
                varchar("install_address", 200),
                varchar("unit_code", 23),
                date("install_date"),
                varchar("meter_type", 16),
                timestamp("updated_at"),
            ),
            ("meter_no",),
            _meter_table,
            referenced=True,
        ),
        TableSpec(
            "meter_reading",
            "月度抄表记录",
            (
                bigint("reading_id"),
                varchar("meter_no", 12),
                varchar("reading_month", 7),
                decimal("reading", 12, 2),
                decimal("usage_m3", 10, 2),
                timestamp("read_at"),
            ),
            ("reading_id",),
            _readings,
            event_time="read_at",
        ),
    ),
)
