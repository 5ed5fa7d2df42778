"""城市管理和综合执法局: grid events reported by grid workers and each step of their handling."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressStyle
from synthetic.chunks import Chunk
from synthetic.dates import EXTRACTION, format_days
from synthetic.departments.grid import grid_staff
from synthetic.fields import pick, words_at
from synthetic.plate import RESIDENTIAL
from synthetic.records import PersonStyle, building_addresses, person_names
from synthetic.schema import Department, TableSpec, bigint, timestamp, varchar
from synthetic.world import TableContext, World

# Grid workers note where they stand: district, street and community, then a road or estate, no room.
_ADDRESSES = AddressStyle(
    prefix=(0.0, 0.2, 0.7, 0.1),
    street=0.7,
    community=0.7,
    locator=(0.2, 0.6, 0.2),
    alias=0.05,
    numerals=(0.97, 0.03, 0.0),
    building_suffix=(0.9, 0.05, 0.05, 0.0),
    missing_room=1.0,
    spaces=0.03,
    typo=0.02,
)
_PEOPLE = PersonStyle(name_space=0.0)
_EVENT_TYPES = (
    "占道经营",
    "乱摆卖",
    "暴露垃圾",
    "违章搭建",
    "井盖缺失",
    "共享单车乱停放",
    "乱张贴",
    "绿地破坏",
)
STEPS = ("上报", "立案", "派遣", "处置", "核查", "结案")
_STATE_AFTER_STEP = ("待立案", "已立案", "处置中", "处置中", "待结案", "已结案")
# Delay before each step after the first, in hours: (low, high).
_STEP_HOURS = ((0.2, 4), (0.2, 2), (1, 72), (1, 24), (0.2, 24))
_EVENTS_PER_PERSON = 0.05
_DAYS = 730
_OPERATORS = 40  # city management staff handling cases after the report


@dataclass(frozen=True)
class _Events:
    building: np.ndarray
    event_type: np.ndarray
    step_times: np.ndarray  # (events, steps) datetime64[s]; NaT for steps not reached yet
    steps_done: np.ndarray
    reporter: np.ndarray  # person index: a grid worker of the building's grid
    operators: np.ndarray  # person indices of the staff doing the later steps


def _events(world: World) -> _Events:
    def build(rng: np.random.Generator) -> _Events:
        plate = world.plate
        n = int(len(world.people) * _EVENTS_PER_PERSON)
        # Events happen in streets and shops more than in offices.
        weight = np.where(plate.buildings.usage == RESIDENTIAL, 1.0, 1.5)
        building = rng.choice(len(weight), size=n, p=weight / weight.sum())
        step_times = _step_times(rng, n)
        staff = grid_staff(world)
        return _Events(
            building=building,
            event_type=rng.integers(0, len(_EVENT_TYPES), n),
            step_times=step_times,
            steps_done=(~np.isnat(step_times)).sum(axis=1),
            reporter=staff.person[staff.first_of_grid[plate.buildings.grid[building]]],
            operators=rng.choice(world.people.adults(), size=_OPERATORS, replace=False),
        )

    return world.plan("urban.events", build)


def _step_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """When each step happened, events in report order; NaT for steps after the extraction and for
    the 1% of cases that stall part-way."""
    reported = np.sort(EXTRACTION - rng.integers(0, _DAYS * 86400, n).astype("timedelta64[s]"))
    delays = np.stack([rng.uniform(low, high, n) for low, high in _STEP_HOURS], axis=1) * 3600
    offsets = np.concatenate([np.zeros((n, 1)), np.cumsum(delays, axis=1)], axis=1)
    times = reported[:, None] + offsets.astype("timedelta64[s]")
    stalled_at = np.where(rng.random(n) < 0.01, rng.integers(1, len(STEPS), n), len(STEPS))
    reached = (times <= EXTRACTION) & (np.arange(len(STEPS)) < stalled_at[:, None])
    return np.where(reached, times, np.datetime64("NaT"))


def _event_numbers(events: _Events, index: np.ndarray) -> pa.Array:
    sequence = pc.utf8_lpad(pc.cast(pa.array(index + 1), pa.string()), width=6, padding="0")
    return pc.binary_join_element_wise(
        "SJ", format_days(events.step_times[index, 0], "{YYYY}{MM}{DD}"), sequence, ""
    )


def _event_table(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    events = _events(world)
    stamp = "{YYYY}-{MM}-{DD} {hh}:{mm}:{ss}"
    for rows in ctx.slices(len(events.building)):
        index = np.arange(rows.start, rows.stop)
        keys = _event_numbers(events, index)
        building = events.building[index]
        address = building_addresses(world.plate, building, _ADDRESSES, ctx.rng)
        remarked = pa.array(ctx.rng.random(len(index)) < 0.3)
        remark = pc.if_else(remarked, pick(ctx.rng, ("旁", "门口", "路段"), len(index)), "")
        done = events.steps_done[index]
        finished = done == len(STEPS)
        last = events.step_times[index, done - 1]
        yield (
            ctx.builder(keys)
            .set("sjbh", keys)
            .set("sjlx", words_at(_EVENT_TYPES, events.event_type[index]))
            .set("wgbm", world.plate.grids.code.take(pa.array(world.plate.buildings.grid[building])))
            .set("fxsj", format_days(events.step_times[index, 0], stamp))
            .address("sjdz", address.with_text(pc.binary_join_element_wise(address.text, remark, "")))
            .set("ajzt", words_at(_STATE_AFTER_STEP, done - 1))
            .set("jasj", format_days(np.where(finished, last, np.datetime64("NaT")), stamp))
            .set("updated_at", np.minimum(last + ctx.rng.integers(0, 600, len(index)), EXTRACTION))
            .build()
        )


def _process_table(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    events = _events(world)
    written = 0
    for rows in ctx.slices(len(events.building), rows_per_item=len(STEPS)):
        index = np.arange(rows.start, rows.stop)
        event, step = np.nonzero(~np.isnat(events.step_times[index]))
        event = index[event]
        operator = np.where(
            step == 0, events.reporter[event], ctx.rng.choice(events.operators, size=len(event))
        )
        ids = np.arange(written + 1, written + len(event) + 1)
        written += len(event)
        yield (
            ctx.builder(pa.array(ids))
            .set("lcid", ids)
            .set("sjbh", _event_numbers(events, event))
            .set("hjmc", words_at(STEPS, step))
            .set("czsj", format_days(events.step_times[event, step], "{YYYY}-{MM}-{DD} {hh}:{mm}:{ss}"))
            .set("czr", person_names(world.people, operator, _PEOPLE, ctx.rng))
            .build()
        )


DEPARTMENT = Department(
    code="urban",
    title="城市管理和综合执法局",
    kind="sqlite",
    tables=(
        TableSpec(
            "city_event",
            "城市管理事件",
            (
                varchar("sjbh", 16),
                varchar("sjlx", 16),
                varchar("wgbm", 15),
                varchar("fxsj", 19),
                varchar("sjdz", 200),
                varchar("ajzt", 8),
                varchar("jasj", 19),
                timestamp("updated_at"),
            ),
            ("sjbh",),
            _event_table,
            referenced=True,
        ),
        TableSpec(
            "event_process",
            "事件处置流程",
            (
                bigint("lcid"),
                varchar("sjbh", 16),
                varchar("hjmc", 8),
                varchar("czsj", 19),
                varchar("czr", 32),
            ),
            ("lcid",),
            _process_table,
        ),
    ),
)
