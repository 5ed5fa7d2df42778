"""12345热线: citizen hotline tickets tracked from receipt to closure, and satisfaction callbacks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressStyle
from synthetic.chunks import Chunk
from synthetic.config import AS_OF
from synthetic.dates import EXTRACTION, day, format_days
from synthetic.fields import nullable_text, pick, words_at
from synthetic.people import CHILD
from synthetic.records import (
    PersonStyle,
    WrittenAddress,
    person_names,
    person_phones,
    unit_addresses,
)
from synthetic.schema import Department, TableSpec, bigint, text, timestamp, varchar
from synthetic.world import TableContext, World

# Callers describe places loosely: an estate or road, usually no room, sometimes "nearby".
_ADDRESSES = AddressStyle(
    prefix=(0.02, 0.1, 0.5, 0.38),
    street=0.15,
    community=0.1,
    locator=(0.15, 0.35, 0.5),
    alias=0.3,
    numerals=(0.85, 0.12, 0.03),
    building_suffix=(0.7, 0.15, 0.15, 0.0),
    room_format=(0.3, 0.5, 0.1, 0.1, 0.0),
    missing_room=0.65,
    spaces=0.1,
    typo=0.04,
)
_PEOPLE = PersonStyle(name_space=0.02, phone_missing=0.0)
_REMARKS = ("附近", "门口", "对面", "楼下")
# category: (weight, department handling it, complaint template)
_CATEGORIES: dict[str, tuple[float, str, str]] = {
    "噪音扰民": (0.2, "街道办事处", "来电人反映{}附近夜间施工噪音很大，影响休息，要求相关部门处理。"),
    "占道经营": (0.12, "城市管理和综合执法局", "市民反映{}有流动摊贩占道经营，影响行人通行，请求处理。"),
    "环境卫生": (0.14, "城市管理和综合执法局", "来电人反映{}垃圾清运不及时，气味难闻，要求尽快清理。"),
    "物业纠纷": (0.14, "住房和建设局", "业主反映{}物业管理不到位、乱收费，要求协调处理。"),
    "市政设施": (0.12, "城市管理和综合执法局", "市民反映{}路灯不亮、井盖破损，存在安全隐患，请求维修。"),
    "交通出行": (0.1, "交通运输局", "来电人反映{}车辆乱停放，堵塞消防通道，要求处理。"),
    "房屋租赁": (0.1, "街道办事处", "租户反映{}的房东拒不退还押金，要求协调。"),
    "劳动纠纷": (0.08, "人力资源和社会保障局", "来电人反映其在{}上班的公司拖欠工资两个月，要求协助追讨。"),
}
_STATUSES = ("待派单", "处理中", "已办结", "已退回")
PENDING, IN_PROGRESS, CLOSED, RETURNED = range(4)
_SATISFACTION = ("满意", "基本满意", "不满意")
_DAYS = 730  # two years of tickets
_TICKETS_PER_PERSON = 0.1


class _Lifecycle(NamedTuple):
    dispatched: np.ndarray  # NaT when not (yet) reached
    replied: np.ndarray
    closed: np.ndarray
    status: np.ndarray
    satisfaction: np.ndarray  # index into _SATISFACTION, -1 for none


@dataclass(frozen=True)
class _Tickets:
    received: np.ndarray  # datetime64[s], ascending
    category: np.ndarray
    caller: np.ndarray  # person index
    anonymous: np.ndarray
    unit: np.ndarray  # where it happened
    life: _Lifecycle


def _tickets(world: World) -> _Tickets:
    def build(rng: np.random.Generator) -> _Tickets:
        people = world.people
        n = int(len(people) * _TICKETS_PER_PERSON)
        received = np.sort(_call_times(rng, n))
        weights = np.array([c[0] for c in _CATEGORIES.values()])
        category = rng.choice(len(weights), size=n, p=weights / weights.sum())
        caller = rng.choice(np.flatnonzero(people.role != CHILD), size=n)
        at_home = rng.random(n) < 0.6
        unit = np.where(at_home, people.unit[caller], rng.integers(0, world.plate.unit_count, n))
        anonymous = rng.random(n) < 0.08
        return _Tickets(received, category, caller, anonymous, unit, _lifecycle(rng, received))

    return world.plan("hotline.tickets", build)


def _call_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Calls over the last two years, mostly between 8:00 and 22:00."""
    days = day(AS_OF) - rng.integers(1, _DAYS, n).astype("timedelta64[D]")
    hour = np.clip(rng.normal(14, 4, n), 0, 23.99)
    return days.astype("datetime64[s]") + (hour * 3600).astype("timedelta64[s]")


def _lifecycle(rng: np.random.Generator, received: np.ndarray) -> _Lifecycle:
    """Dispatch within hours, reply within days (5% overdue by weeks), closure soon after; whatever
    lies after the extraction has not happened yet."""
    n = len(received)
    hours = np.timedelta64(3600, "s")
    dispatched = received + (rng.lognormal(1.0, 1.0, n) * hours).astype("timedelta64[s]")
    reply_days = np.where(rng.random(n) < 0.05, rng.uniform(20, 60, n), rng.lognormal(0.7, 0.8, n))
    replied = dispatched + (reply_days * 24 * hours).astype("timedelta64[s]")
    closed = replied + (rng.uniform(0, 72, n) * hours).astype("timedelta64[s]")
    stuck = rng.random(n) < 0.005  # never closed, however old
    returned = rng.random(n) < 0.005
    closed = np.where(stuck | returned, np.datetime64("NaT"), closed)
    dispatched, replied, closed = (
        np.where(t <= EXTRACTION, t, np.datetime64("NaT")) for t in (dispatched, replied, closed)
    )
    status = np.select(
        [~np.isnat(closed), returned & ~np.isnat(replied), ~np.isnat(dispatched)],
        [CLOSED, RETURNED, IN_PROGRESS],
        PENDING,
    )
    # Overdue tickets leave far more callers unhappy.
    unhappy = np.where(reply_days > 15, 0.35, 0.08)
    draw = rng.random(n)
    satisfaction = np.select([draw < unhappy, draw < unhappy + 0.03, draw < unhappy + 0.25], [2, -1, 1], 0)
    return _Lifecycle(dispatched, replied, closed, status, np.where(status == CLOSED, satisfaction, -1))


def _ticket_numbers(tickets: _Tickets, rows: slice) -> pa.Array:
    sequence = pc.utf8_lpad(
        pc.cast(pa.array(np.arange(rows.start, rows.stop) + 1), pa.string()), width=7, padding="0"
    )
    return pc.binary_join_element_wise(
        "NS", format_days(tickets.received[rows], "{YYYY}{MM}{DD}"), sequence, ""
    )


def _ticket_table(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    tickets = _tickets(world)
    streets = pa.array([c.street_name for c in world.plate.communities])
    categories = tuple(_CATEGORIES)
    for rows in ctx.slices(len(tickets.received)):
        keys = _ticket_numbers(tickets, rows)
        caller = tickets.caller[rows]
        caller_names = person_names(world.people, caller, _PEOPLE, ctx.rng)
        address = _event_addresses(ctx, tickets.unit[rows])
        street = streets.take(pa.array(world.plate.community_of_units(tickets.unit[rows])))
        category = tickets.category[rows]
        yield (
            ctx.builder(keys)
            .set("ticket_no", keys)
            .set("received_at", tickets.received[rows])
            .set("caller_phone", person_phones(world.people, caller, _PEOPLE, ctx.rng))
            .set("caller_name", nullable_text(caller_names, tickets.anonymous[rows]))
            .set("category", words_at(categories, category))
            .set("content", _contents(category, address.text))
            .address("event_address", address)
            .set("street_name", street)
            .set("assigned_dept", _handlers(category, street))
            .set("dispatched_at", tickets.life.dispatched[rows])
            .set("replied_at", tickets.life.replied[rows])
            .set("closed_at", tickets.life.closed[rows])
            .set("status", words_at(_STATUSES, tickets.life.status[rows]))
            .set("satisfaction", _satisfaction(tickets.life.satisfaction[rows]))
            .set("updated_at", _last_change(tickets, rows))
            .build()
        )


def _event_addresses(ctx: TableContext, units: np.ndarray) -> WrittenAddress:
    """Where callers say it happened, a fifth of the time with a remark such as 附近 or 门口."""
    address = unit_addresses(ctx.world.plate, units, _ADDRESSES, ctx.rng)
    remarked = pa.array(ctx.rng.random(len(units)) < 0.2)
    remark = pc.if_else(remarked, pick(ctx.rng, _REMARKS, len(units)), "")
    return address.with_text(pc.binary_join_element_wise(address.text, remark, ""))


def _contents(category: np.ndarray, address: pa.Array) -> pa.Array:
    templates = [template.split("{}") for _, _, template in _CATEGORIES.values()]
    before = words_at(tuple(t[0] for t in templates), category)
    after = words_at(tuple(t[1] for t in templates), category)
    return pc.binary_join_element_wise(before, address, after, "")


def _handlers(category: np.ndarray, street: pa.Array) -> pa.Array:
    handler = words_at(tuple(c[1] for c in _CATEGORIES.values()), category)
    local = pc.equal(handler, "街道办事处")  # street offices handle neighbourhood matters themselves
    return pc.if_else(local, pc.binary_join_element_wise(street, "办事处", ""), handler)


def _satisfaction(index: np.ndarray) -> pa.Array:
    return pa.array(_SATISFACTION, pa.string()).take(pa.array(index, pa.int64(), mask=index < 0))


def _last_change(tickets: _Tickets, rows: slice) -> np.ndarray:
    stages = np.stack(
        [
            tickets.received[rows],
            tickets.life.dispatched[rows],
            tickets.life.replied[rows],
            tickets.life.closed[rows],
        ]
    )
    return np.where(np.isnat(stages), tickets.received[rows], stages).max(axis=0)


def _callbacks(ctx: TableContext) -> Iterator[Chunk]:
    tickets = _tickets(ctx.world)
    closed = np.flatnonzero(tickets.life.status == CLOSED)
    called = closed[ctx.rng.random(len(closed)) < 0.75]
    when = tickets.life.closed[called] + ctx.rng.integers(3600, 3 * 86400, len(called)).astype(
        "timedelta64[s]"
    )
    called, when = called[when <= EXTRACTION], when[when <= EXTRACTION]
    numbers = _ticket_numbers(tickets, slice(0, len(tickets.received)))
    for rows in ctx.slices(len(called)):
        ticket = called[rows]
        result = ctx.rng.choice(3, size=len(ticket), p=[0.85, 0.12, 0.03])
        ids = np.arange(rows.start + 1, rows.stop + 1)
        yield (
            ctx.builder(pa.array(ids))
            .set("callback_id", ids)
            .set("ticket_no", numbers.take(pa.array(ticket)))
            .set("callback_at", when[rows])
            .set("result", words_at(("已回访", "无人接听", "拒绝回访"), result))
            .set("satisfaction", _satisfaction(np.where(result == 0, tickets.life.satisfaction[ticket], -1)))
            .build()
        )


DEPARTMENT = Department(
    code="hotline",
    title="12345热线",
    kind="postgres",
    tables=(
        TableSpec(
            "hotline_ticket",
            "12345热线工单",
            (
                varchar("ticket_no", 17),
                timestamp("received_at"),
                varchar("caller_phone", 20),
                varchar("caller_name", 32),
                varchar("category", 16),
                text("content"),
                varchar("event_address", 200),
                varchar("street_name", 16),
                varchar("assigned_dept", 32),
                timestamp("dispatched_at"),
                timestamp("replied_at"),
                timestamp("closed_at"),
                varchar("status", 8),
                varchar("satisfaction", 8),
                timestamp("updated_at"),
            ),
            ("ticket_no",),
            _ticket_table,
            referenced=True,
        ),
        TableSpec(
            "hotline_callback",
            "工单回访",
            (
                bigint("callback_id"),
                varchar("ticket_no", 17),
                timestamp("callback_at"),
                varchar("result", 8),
                varchar("satisfaction", 8),
            ),
            ("callback_id",),
            _callbacks,
            event_time="callback_at",
        ),
    ),
)
