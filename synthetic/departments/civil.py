"""民政局: assistance recipients and elderly people living alone, kept in a hand-maintained workbook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressStyle
from synthetic.chunks import Chunk
from synthetic.config import AS_OF
from synthetic.dates import format_days, random_days
from synthetic.fields import decimals, text_of
from synthetic.identity import IdStyle
from synthetic.people import ELDER, PARTNER
from synthetic.records import PersonStyle, person_ids, person_names, person_phones, unit_addresses
from synthetic.schema import Department, TableSpec, date_or_text, decimal, integer, varchar
from synthetic.world import TableContext

# Community workers type addresses as residents say them: no city, often the estate or its alias.
_ADDRESSES = AddressStyle(
    prefix=(0.0, 0.1, 0.3, 0.6),
    street=0.5,
    community=0.6,
    locator=(0.1, 0.2, 0.7),
    alias=0.3,
    numerals=(0.75, 0.15, 0.1),
    building_suffix=(0.7, 0.15, 0.15, 0.0),
    room_format=(0.3, 0.4, 0.15, 0.15, 0.0),
    missing_room=0.05,
    spaces=0.15,
    typo=0.03,
)
# Typed by hand into Excel: more broken IDs and odd spacing than any system-kept register.
_PEOPLE = PersonStyle(
    ids=IdStyle(invalid=0.035, lower_x=0.5, spaces=0.03, full_width=0.02, trailing_space=0.03),
    name_space=0.05,
    phone_missing=0.1,
)
_CATEGORIES = ("低保", "特困", "临时救助")
_MONTHLY_YUAN = (1365.0, 2048.0, 0.0)  # 低保 and 特困 standards; 临时救助 varies
_RECIPIENT_SHARE = 0.012
_TEXT_DATES = 0.15  # start dates typed as text like 2025.3 instead of a date cell
_FIRST_START = dt.date(2015, 1, 1)


def _recipients(ctx: TableContext) -> Iterator[Chunk]:
    people = ctx.world.people
    # Older people and single-adult households are more often eligible.
    weight = np.where(people.role == ELDER, 4.0, 1.0) * np.where(people.role == PARTNER, 0.5, 1.0)
    size = int(len(people) * _RECIPIENT_SHARE)
    chosen = np.sort(ctx.rng.choice(len(people), size=size, replace=False, p=weight / weight.sum()))
    for rows in ctx.slices(len(chosen)):
        person = chosen[rows]
        n = len(person)
        category = ctx.rng.choice(len(_CATEGORIES), size=n, p=[0.5, 0.15, 0.35])
        amount = np.where(
            category == 2, np.round(ctx.rng.uniform(500, 3000, n), -1), np.array(_MONTHLY_YUAN)[category]
        )
        numbers = np.arange(rows.start + 1, rows.stop + 1)
        yield (
            ctx.builder(text_of(numbers))
            .set("序号", numbers)
            .set("姓名", person_names(people, person, _PEOPLE, ctx.rng))
            .person_id("身份证号码", person_ids(people, person, _PEOPLE, ctx.rng))
            .set("救助类别", pa.array(_CATEGORIES).take(pa.array(category)))
            .address("家庭住址", unit_addresses(ctx.world.plate, people.unit[person], _ADDRESSES, ctx.rng))
            .set("联系电话", person_phones(people, person, _PEOPLE, ctx.rng))
            .set("月救助金额(元)", decimals(amount))
            .set("起始日期", _start_dates(ctx, n))
            .build()
        )


def _start_dates(ctx: TableContext, n: int) -> pa.Array:
    started = random_days(ctx.rng, _FIRST_START, AS_OF, n)
    as_text = pa.array(ctx.rng.random(n) < _TEXT_DATES)
    return pc.if_else(as_text, format_days(started, "{YYYY}.{M}"), format_days(started, "{YYYY}-{MM}-{DD}"))


def _elderly(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    people = world.people
    household_size = np.bincount(people.household)
    alone = np.flatnonzero((people.role == ELDER) & (household_size[people.household] == 1))
    contacts = ctx.rng.choice(people.adults(), size=len(alone))
    communities = pa.array([c.name for c in world.plate.communities])
    for rows in ctx.slices(len(alone)):
        person, contact = alone[rows], contacts[rows]
        numbers = np.arange(rows.start + 1, rows.stop + 1)
        community = world.plate.community_of_units(people.unit[person])
        yield (
            ctx.builder(text_of(numbers))
            .set("序号", numbers)
            .set("姓名", person_names(people, person, _PEOPLE, ctx.rng))
            .set("性别", pc.if_else(pa.array(people.male[person]), "男", "女"))
            .person_id("身份证号码", person_ids(people, person, _PEOPLE, ctx.rng))
            .set("年龄", people.age(person))
            .address("居住地址", unit_addresses(world.plate, people.unit[person], _ADDRESSES, ctx.rng))
            .set("紧急联系人", person_names(people, contact, _PEOPLE, ctx.rng))
            .set("紧急联系电话", person_phones(people, contact, _PEOPLE, ctx.rng))
            .set("所属社区", communities.take(pa.array(community)))
            .build()
        )


DEPARTMENT = Department(
    code="civil",
    title="民政局",
    kind="excel",
    workbook="民政救助名册.xlsx",
    tables=(
        TableSpec(
            "subsidy_recipient",
            "救助对象",
            (
                integer("序号"),
                varchar("姓名", 32),
                varchar("身份证号码", 24),
                varchar("救助类别", 8),
                varchar("家庭住址", 200),
                varchar("联系电话", 20),
                decimal("月救助金额(元)", 10, 2),
                date_or_text("起始日期"),
            ),
            ("序号",),
            _recipients,
        ),
        TableSpec(
            "elderly_alone",
            "独居老人",
            (
                integer("序号"),
                varchar("姓名", 32),
                varchar("性别", 2),
                varchar("身份证号码", 24),
                integer("年龄"),
                varchar("居住地址", 200),
                varchar("紧急联系人", 32),
                varchar("紧急联系电话", 20),
                varchar("所属社区", 32),
            ),
            ("序号",),
            _elderly,
        ),
    ),
)
