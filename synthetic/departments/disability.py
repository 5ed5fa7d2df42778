"""残疾人联合会: the register of disability certificate holders, exported as UTF-8 CSV (no BOM)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressStyle
from synthetic.chunks import Chunk
from synthetic.config import AS_OF
from synthetic.dates import day, format_days
from synthetic.fields import words_at
from synthetic.identity import IdStyle
from synthetic.people import CHILD, ELDER, PARTNER
from synthetic.records import PersonStyle, person_ids, person_names, person_phones, unit_addresses
from synthetic.schema import Department, TableSpec, varchar
from synthetic.world import TableContext

# Community disability workers copy the household booklet: street and community often named,
# estates by their common name, rooms mostly written.
_ADDRESSES = AddressStyle(
    prefix=(0.1, 0.3, 0.35, 0.25),
    street=0.45,
    community=0.45,
    locator=(0.3, 0.2, 0.5),
    alias=0.15,
    numerals=(0.85, 0.1, 0.05),
    building_suffix=(0.75, 0.15, 0.1, 0.0),
    room_format=(0.45, 0.3, 0.1, 0.15, 0.0),
    missing_room=0.04,
    spaces=0.08,
    typo=0.02,
)
_PEOPLE = PersonStyle(
    ids=IdStyle(invalid=0.025, lower_x=0.3, spaces=0.015, full_width=0.01, trailing_space=0.01),
    name_space=0.02,
    phone_missing=0.06,
)
# 第二代残疾人证: the card number is the holder's resident ID plus one digit for the category (in this
# order) and one for the level.
_CATEGORIES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
_CATEGORY_SHARE = (0.15, 0.24, 0.015, 0.295, 0.07, 0.075, 0.155)
_LEVELS = ("一级", "二级", "三级", "四级")
_LEVEL_SHARE = (0.15, 0.25, 0.25, 0.35)
_HOLDER_SHARE = 0.017
_AGE_WEIGHT = {PARTNER: 1.0, CHILD: 0.4, ELDER: 4.0}  # heads weigh 1.0 as well
_FIRST_CARD = dt.date(2008, 1, 1)  # second-generation cards were issued from 2008
_INTELLECTUAL, _MENTAL, _MULTIPLE = 4, 5, 6


def _holders(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    people = world.people
    weight = np.array([1.0, _AGE_WEIGHT[PARTNER], _AGE_WEIGHT[CHILD], _AGE_WEIGHT[ELDER]])[people.role]
    size = int(len(people) * _HOLDER_SHARE)
    chosen = np.sort(ctx.rng.choice(len(people), size=size, replace=False, p=weight / weight.sum()))
    for rows in ctx.slices(len(chosen)):
        person = chosen[rows]
        n = len(person)
        category = ctx.rng.choice(len(_CATEGORIES), size=n, p=_CATEGORY_SHARE)
        level = ctx.rng.choice(len(_LEVELS), size=n, p=_LEVEL_SHARE)
        keys = _card_numbers(people.id_number.take(pa.array(person)), category, level)
        guardian = _guardians(ctx, person, category, level)
        # Children are reached through the guardian's phone.
        contact = np.where((people.role[person] == CHILD) & (guardian >= 0), guardian, person)
        yield (
            ctx.builder(keys)
            .set("残疾证号", keys)
            .set("姓名", person_names(people, person, _PEOPLE, ctx.rng))
            .person_id("身份证号", person_ids(people, person, _PEOPLE, ctx.rng))
            .set("残疾类别", words_at(_CATEGORIES, category))
            .set("残疾等级", words_at(_LEVELS, level))
            .set("发证日期", format_days(_issued(ctx, people.birth[person]), "{YYYY}/{M}/{D}"))
            .address("居住地址", unit_addresses(world.plate, people.unit[person], _ADDRESSES, ctx.rng))
            .set("联系电话", person_phones(people, contact, _PEOPLE, ctx.rng))
            .set("监护人电话", person_phones(people, guardian, _PEOPLE, ctx.rng))
            .build()
        )


def _card_numbers(ids: pa.Array, category: np.ndarray, level: np.ndarray) -> pa.Array:
    code = pc.cast(pa.array((category + 1) * 10 + level + 1), pa.string())
    return pc.binary_join_element_wise(ids, code, "")


def _guardians(ctx: TableContext, person: np.ndarray, category: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Minors, intellectual and mental disabilities and most severe cases have a registered guardian:
    the household's head, or its other adult when the holder is the head; -1 when there is nobody."""
    people = ctx.world.people
    needs = (
        (people.age(person) < 18)
        | np.isin(category, (_INTELLECTUAL, _MENTAL))
        | ((category == _MULTIPLE) & (level <= 1))
        | ((level == 0) & (ctx.rng.random(len(person)) < 0.6))
    )
    head = people.head[people.household[person]]
    partner = np.minimum(head + 1, len(people) - 1)
    has_partner = (people.household[partner] == people.household[person]) & (people.role[partner] != CHILD)
    other = np.where(person != head, head, np.where(has_partner, partner, -1))
    return np.where(needs & (other != person), other, -1)


def _issued(ctx: TableContext, birth: np.ndarray) -> np.ndarray:
    """Issued after 2008 and after the first birthday, not after the reference date."""
    first = np.maximum(birth + np.timedelta64(365, "D"), day(_FIRST_CARD))
    span = np.maximum((day(AS_OF) - first).astype(np.int64), 0)
    return np.minimum(first + (ctx.rng.random(len(birth)) * (span + 1)).astype("timedelta64[D]"), day(AS_OF))


DEPARTMENT = Department(
    code="disability",
    title="残疾人联合会",
    kind="csv",
    encoding="utf-8",
    tables=(
        TableSpec(
            "disabled_person",
            "残疾人登记",
            (
                varchar("残疾证号", 20),
                varchar("姓名", 32),
                varchar("身份证号", 24),
                varchar("残疾类别", 4),
                varchar("残疾等级", 4),
                varchar("发证日期", 10),
                varchar("居住地址", 200),
                varchar("联系电话", 20),
                varchar("监护人电话", 20),
            ),
            ("残疾证号",),
            _holders,
        ),
    ),
)
