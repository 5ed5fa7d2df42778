"""公安分局: the resident population register (实有人口) and rented homes (出租屋)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressStyle, render_hometown
from synthetic.chunks import Chunk
from synthetic.config import AS_OF
from synthetic.dates import format_days, random_days
from synthetic.fields import serials, touched_since
from synthetic.identity import IdStyle
from synthetic.people import HEAD
from synthetic.records import (
    PersonStyle,
    WrittenAddress,
    misspelled_names,
    outside_addresses,
    person_ids,
    person_names,
    person_phones,
    unit_addresses,
)
from synthetic.schema import Department, TableSpec, timestamp, varchar
from synthetic.world import TableContext, World

# Police write full, formal addresses by street, always with the room.
_ADDRESSES = AddressStyle(
    prefix=(0.45, 0.45, 0.1, 0.0),
    street=0.85,
    community=0.5,
    locator=(0.55, 0.15, 0.3),
    alias=0.05,
    numerals=(0.95, 0.04, 0.01),
    building_suffix=(0.9, 0.07, 0.03, 0.0),
    room_format=(0.8, 0.05, 0.0, 0.05, 0.1),
    missing_room=0.005,
    spaces=0.02,
    typo=0.005,
)
_PEOPLE = PersonStyle(ids=IdStyle(invalid=0.025, lower_x=0.2), name_space=0.003, phone_missing=0.08)
_DUPLICATE_SHARE = 0.005  # registered twice, the second time with the name typed differently
_RENTED_SHARE = 0.35  # of occupied homes
_REGISTER_SINCE = dt.date(2008, 1, 1)


@dataclass(frozen=True)
class _Register:
    person: np.ndarray  # one row per registration: the person; duplicates at the end
    duplicate: np.ndarray


def _register(world: World) -> _Register:
    def build(rng: np.random.Generator) -> _Register:
        everyone = np.arange(len(world.people))
        twice = np.sort(rng.choice(everyone, size=int(len(everyone) * _DUPLICATE_SHARE), replace=False))
        duplicate = np.concatenate([np.zeros(len(everyone), bool), np.ones(len(twice), bool)])
        return _Register(np.concatenate([everyone, twice]), duplicate)

    return world.plan("police.register", build)


def _residents(ctx: TableContext) -> Iterator[Chunk]:
    people = ctx.world.people
    register = _register(ctx.world)
    for rows in ctx.slices(len(register.person)):
        person = register.person[rows]
        keys = serials("R440305", rows.start + 1, rows.stop + 1, 11)
        names = person_names(people, person, _PEOPLE, ctx.rng)
        names = pc.if_else(pa.array(register.duplicate[rows]), misspelled_names(names, ctx.rng), names)
        registered = np.maximum(
            random_days(ctx.rng, _REGISTER_SINCE, AS_OF, len(person)), people.birth[person]
        )
        yield (
            ctx.builder(keys)
            .set("rkbh", keys)
            .set("xm", names)
            .person_id("sfzh", person_ids(people, person, _PEOPLE, ctx.rng))
            .set("xb", pc.if_else(pa.array(people.male[person]), "1", "2"))
            .set("csrq", format_days(people.birth[person], "{YYYY}{MM}{DD}"))
            .address("hjdz", _household_register(ctx, person))
            .address("jzdz", unit_addresses(ctx.world.plate, people.unit[person], _ADDRESSES, ctx.rng))
            .set("lxdh", person_phones(people, person, _PEOPLE, ctx.rng))
            .set("djrq", format_days(registered, "{YYYY}-{MM}-{DD}"))
            .set("updated_at", touched_since(ctx.rng, registered))
            .build()
        )


def _household_register(ctx: TableContext, person: np.ndarray) -> WrittenAddress:
    """Locals are registered at home; everyone else at their home town's address."""
    people = ctx.world.people
    regions = people.regions
    region = pa.array(people.region[person])
    hometown = render_hometown(
        regions.province.take(region), regions.city.take(region), regions.county.take(region), ctx.rng
    )
    at_home = unit_addresses(ctx.world.plate, people.unit[person], _ADDRESSES, ctx.rng)
    return at_home.where(regions.local[people.region[person]], outside_addresses(hometown))


def _rentals(ctx: TableContext) -> Iterator[Chunk]:
    people = ctx.world.people
    heads = np.flatnonzero(people.role == HEAD)
    tenants = np.sort(ctx.rng.choice(heads, size=int(len(heads) * _RENTED_SHARE), replace=False))
    landlords = ctx.rng.choice(people.adults(), size=len(tenants))
    for rows in ctx.slices(len(tenants)):
        tenant, landlord = tenants[rows], landlords[rows]
        keys = serials("CZW440305", rows.start + 1, rows.stop + 1, 8)
        started = random_days(ctx.rng, dt.date(2019, 1, 1), AS_OF, len(tenant))
        yield (
            ctx.builder(keys)
            .set("czwbh", keys)
            .address("fwdz", unit_addresses(ctx.world.plate, people.unit[tenant], _ADDRESSES, ctx.rng))
            .set("fzxm", person_names(people, landlord, _PEOPLE, ctx.rng))
            .person_id("fzsfzh", person_ids(people, landlord, _PEOPLE, ctx.rng))
            .set("zkxm", person_names(people, tenant, _PEOPLE, ctx.rng))
            .person_id("zksfzh", person_ids(people, tenant, _PEOPLE, ctx.rng))
            .set("qzrq", format_days(started, "{YYYY}/{MM}/{DD}"))
            .set("updated_at", touched_since(ctx.rng, started))
            .build()
        )


DEPARTMENT = Department(
    code="police",
    title="公安分局",
    kind="mysql",
    tables=(
        TableSpec(
            "resident",
            "实有人口",
            (
                varchar("rkbh", 18),
                varchar("xm", 32),
                varchar("sfzh", 24),
                varchar("xb", 1),
                varchar("csrq", 8),
                varchar("hjdz", 200),
                varchar("jzdz", 200),
                varchar("lxdh", 20),
                varchar("djrq", 10),
                timestamp("updated_at"),
            ),
            ("rkbh",),
            _residents,
        ),
        TableSpec(
            "rental",
            "出租屋",
            (
                varchar("czwbh", 17),
                varchar("fwdz", 200),
                varchar("fzxm", 32),
                varchar("fzsfzh", 24),
                varchar("zkxm", 32),
                varchar("zksfzh", 24),
                varchar("qzrq", 10),
                timestamp("updated_at"),
            ),
            ("czwbh",),
            _rentals,
        ),
    ),
)
