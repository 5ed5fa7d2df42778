"""卫生健康局: family-doctor contracts and birth certificates, exported as UTF-8 CSV (with BOM)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressStyle
from synthetic.chunks import Chunk
from synthetic.config import AS_OF
from synthetic.dates import day, format_days, random_days
from synthetic.fields import nullable_text, pick, serials
from synthetic.identity import IdStyle
from synthetic.people import CHILD, ELDER, HEAD, PARTNER
from synthetic.records import PersonStyle, person_ids, person_names, person_phones, unit_addresses
from synthetic.schema import Department, TableSpec, varchar
from synthetic.world import TableContext

# Clinics take the address residents give at the counter: estate names, few prefixes.
_ADDRESSES = AddressStyle(
    prefix=(0.05, 0.25, 0.4, 0.3),
    street=0.2,
    community=0.2,
    locator=(0.2, 0.2, 0.6),
    alias=0.2,
    numerals=(0.85, 0.1, 0.05),
    building_suffix=(0.7, 0.15, 0.15, 0.0),
    room_format=(0.4, 0.3, 0.1, 0.2, 0.0),
    missing_room=0.04,
    spaces=0.08,
    typo=0.02,
)
_PEOPLE = PersonStyle(
    ids=IdStyle(invalid=0.03, lower_x=0.3, spaces=0.01, full_width=0.01), phone_missing=0.04
)
_SIGNING_SHARE = {HEAD: 0.2, PARTNER: 0.2, CHILD: 0.4, ELDER: 0.7}
_STATES = ("已签约", "已解约", "待续约")
_FIRST_SIGNING = dt.date(2018, 1, 1)


def _signings(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    people = world.people
    share = np.array([_SIGNING_SHARE[r] for r in range(4)])[people.role]
    signed = np.flatnonzero(ctx.rng.random(len(people)) < share)
    centres = pa.array([f"{c.name}健康服务中心" for c in world.plate.communities])
    for rows in ctx.slices(len(signed)):
        person = signed[rows]
        n = len(person)
        # Children are reached through a parent's phone.
        contact = np.where(people.role[person] == CHILD, people.head[people.household[person]], person)
        community = world.plate.community_of_units(people.unit[person])
        keys = serials("QY440305", rows.start + 1, rows.stop + 1, 10)
        yield (
            ctx.builder(keys)
            .set("签约编号", keys)
            .set("姓名", person_names(people, person, _PEOPLE, ctx.rng))
            .person_id("身份证号", person_ids(people, person, _PEOPLE, ctx.rng))
            .set("联系电话", person_phones(people, contact, _PEOPLE, ctx.rng))
            .address("居住地址", unit_addresses(world.plate, people.unit[person], _ADDRESSES, ctx.rng))
            .set(
                "签约日期", format_days(random_days(ctx.rng, _FIRST_SIGNING, AS_OF, n), "{YYYY}年{M}月{D}日")
            )
            .set("社康中心", centres.take(pa.array(community)))
            .set("签约状态", pick(ctx.rng, _STATES, n, (0.85, 0.05, 0.1)))
            .build()
        )


def _births(ctx: TableContext) -> Iterator[Chunk]:
    people = ctx.world.people
    babies = np.flatnonzero((people.role == CHILD) & (people.age() <= 2))
    for rows in ctx.slices(len(babies)):
        baby = babies[rows]
        n = len(baby)
        mother, father = people.parent(baby, male=False), people.parent(baby, male=True)
        keys = serials("Q44", rows.start + 1, rows.stop + 1, 7)
        unnamed = ctx.rng.random(n) < 0.05  # certificates issued before the baby was named
        yield (
            ctx.builder(keys)
            .set("出生证编号", keys)
            .set("新生儿姓名", nullable_text(person_names(people, baby, _PEOPLE, ctx.rng), unnamed))
            .set("性别", pc.if_else(pa.array(people.male[baby]), "男", "女"))
            .set("出生日期", format_days(people.birth[baby], "{YYYY}-{MM}-{DD}"))
            .set("母亲姓名", person_names(people, mother, _PEOPLE, ctx.rng))
            .person_id("母亲身份证号", person_ids(people, mother, _PEOPLE, ctx.rng))
            .person_id("父亲身份证号", person_ids(people, father, _PEOPLE, ctx.rng))
            .address("家庭住址", unit_addresses(ctx.world.plate, people.unit[baby], _ADDRESSES, ctx.rng))
            .set("签发日期", format_days(_issued(ctx, people.birth[baby]), "{YYYY}-{MM}-{DD}"))
            .build()
        )


def _issued(ctx: TableContext, birth: np.ndarray) -> np.ndarray:
    """Certificates are issued within ten days of birth (and not after the reference date)."""
    return np.minimum(birth + ctx.rng.integers(1, 11, len(birth)).astype("timedelta64[D]"), day(AS_OF))


DEPARTMENT = Department(
    code="health",
    title="卫生健康局",
    kind="csv",
    encoding="utf-8-sig",
    tables=(
        TableSpec(
            "family_doctor_signing",
            "家庭医生签约",
            (
                varchar("签约编号", 18),
                varchar("姓名", 32),
                varchar("身份证号", 24),
                varchar("联系电话", 20),
                varchar("居住地址", 200),
                varchar("签约日期", 16),
                varchar("社康中心", 40),
                varchar("签约状态", 8),
            ),
            ("签约编号",),
            _signings,
        ),
        TableSpec(
            "birth_certificate",
            "出生医学证明",
            (
                varchar("出生证编号", 10),
                varchar("新生儿姓名", 32),
                varchar("性别", 2),
                varchar("出生日期", 10),
                varchar("母亲姓名", 32),
                varchar("母亲身份证号", 24),
                varchar("父亲身份证号", 24),
                varchar("家庭住址", 200),
                varchar("签发日期", 10),
            ),
            ("出生证编号",),
            _births,
        ),
    ),
)
