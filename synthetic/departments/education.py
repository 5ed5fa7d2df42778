"""教育局: schools and enrolled students, exported as GBK CSV (the Windows default in the bureau)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressStyle
from synthetic.chunks import Chunk
from synthetic.config import AS_OF
from synthetic.dates import format_days
from synthetic.fields import words_at
from synthetic.identity import IdStyle
from synthetic.people import CHILD
from synthetic.records import (
    PersonStyle,
    building_addresses,
    person_ids,
    person_names,
    person_phones,
    unit_addresses,
)
from synthetic.schema import Department, TableSpec, varchar
from synthetic.world import TableContext, World

_ADDRESSES = AddressStyle(
    prefix=(0.05, 0.35, 0.5, 0.1),
    street=0.3,
    community=0.3,
    locator=(0.25, 0.25, 0.5),
    alias=0.15,
    numerals=(0.8, 0.12, 0.08),
    building_suffix=(0.6, 0.2, 0.2, 0.0),
    room_format=(0.35, 0.35, 0.15, 0.15, 0.0),
    missing_room=0.03,
    spaces=0.06,
    typo=0.015,
)
_PEOPLE = PersonStyle(ids=IdStyle(invalid=0.025, lower_x=0.35, spaces=0.01, full_width=0.01), name_space=0.01)
# (办学类型, name pattern, first age, last age, pupils per school)
_LEVELS = (
    ("小学", "深圳市南山区{}小学", 6, 11, 1200),
    ("初级中学", "深圳市南山区{}中学", 12, 14, 1200),
    ("高级中学", "深圳市{}高级中学", 15, 17, 1500),
)
_GRADES = (
    "一年级",
    "二年级",
    "三年级",
    "四年级",
    "五年级",
    "六年级",
    "初一",
    "初二",
    "初三",
    "高一",
    "高二",
    "高三",
)
_ENROLLED_SHARE = 0.95  # the rest attend schools outside the district


@dataclass(frozen=True)
class _Schools:
    name: list[str]
    level: np.ndarray
    street: np.ndarray  # index into the district's streets
    building: np.ndarray
    streets: list[str]

    @property
    def codes(self) -> pa.Array:
        return pa.array([f"2144{30001 + i:06d}" for i in range(len(self.name))])


def _schools(world: World) -> _Schools:
    """Enough schools of each level per street for the children living there."""

    def build(rng: np.random.Generator) -> _Schools:
        plate = world.plate
        streets = sorted({c.street_name for c in plate.communities if not c.virtual})
        pupils = _pupils_per_street_and_level(world, streets)
        names, level, street, building = [], [], [], []
        for s, street_name in enumerate(streets):
            communities = _community_indices(world, street_name)
            roots = [plate.communities[c].name.removesuffix("社区") for c in communities]
            candidates = np.flatnonzero(np.isin(plate.buildings.community, communities))
            for lv, (_, pattern, _, _, per_school) in enumerate(_LEVELS):
                for k in range(max(1, round(pupils[s, lv] / per_school))):
                    suffix = "" if k < len(roots) else f"第{k // len(roots) + 1}"
                    names.append(pattern.format(roots[k % len(roots)] + suffix))
                    level.append(lv)
                    street.append(s)
                    building.append(rng.choice(candidates))
        return _Schools(names, np.array(level), np.array(street), np.array(building), streets)

    return world.plan("education.schools", build)


def _pupils_per_street_and_level(world: World, streets: list[str]) -> np.ndarray:
    people = world.people
    age = people.age()
    home = _street_of_people(world, streets)
    counts = np.zeros((len(streets), len(_LEVELS)), dtype=np.int64)
    for lv, (_, _, first, last, _) in enumerate(_LEVELS):
        pupils = (people.role == CHILD) & (age >= first) & (age <= last) & (home >= 0)
        counts[:, lv] = np.bincount(home[pupils], minlength=len(streets))
    return counts


def _community_indices(world: World, street_name: str) -> list[int]:
    return [
        i for i, c in enumerate(world.plate.communities) if c.street_name == street_name and not c.virtual
    ]


def _street_of_people(world: World, streets: list[str]) -> np.ndarray:
    plate = world.plate
    index = {name: i for i, name in enumerate(streets)}
    street_of_community = np.array([index.get(c.street_name, -1) for c in plate.communities])
    return street_of_community[plate.community_of_units(world.people.unit)]


def _school_table(ctx: TableContext) -> Iterator[Chunk]:
    schools = _schools(ctx.world)
    codes = schools.codes
    yield (
        ctx.builder(codes)
        .set("学校代码", codes)
        .set("学校名称", pa.array(schools.name))
        .set("办学类型", words_at(tuple(level[0] for level in _LEVELS), schools.level))
        .address("地址", building_addresses(ctx.world.plate, schools.building, _ADDRESSES, ctx.rng))
        .set("所属街道", pa.array(schools.streets).take(pa.array(schools.street)))
        .build()
    )


def _students(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    people = world.people
    age = people.age()
    enrolled = ctx.rng.random(len(people)) < _ENROLLED_SHARE
    pupils = np.flatnonzero((people.role == CHILD) & (age >= 6) & (age <= 17) & enrolled)
    school = _assign_schools(ctx, pupils)
    schools = _schools(world)
    for rows in ctx.slices(len(pupils)):
        pupil = pupils[rows]
        guardian = _guardians(ctx, pupil)
        grade = age[pupil] - 6
        yield (
            ctx.builder(pc.binary_join_element_wise("G", people.id_number.take(pa.array(pupil)), ""))
            .set("学籍号", pc.binary_join_element_wise("G", people.id_number.take(pa.array(pupil)), ""))
            .set("姓名", person_names(people, pupil, _PEOPLE, ctx.rng))
            .person_id("身份证号", person_ids(people, pupil, _PEOPLE, ctx.rng))
            .set("学校代码", schools.codes.take(pa.array(school[rows])))
            .set("年级", words_at(_GRADES, grade))
            .address("家庭住址", unit_addresses(world.plate, people.unit[pupil], _ADDRESSES, ctx.rng))
            .set("监护人姓名", person_names(people, guardian, _PEOPLE, ctx.rng))
            .person_id("监护人身份证号", person_ids(people, guardian, _PEOPLE, ctx.rng))
            .set("监护人电话", person_phones(people, guardian, _PEOPLE, ctx.rng))
            .set("入学日期", format_days(_entry_dates(grade), "{YYYY}/{M}/{D}"))
            .build()
        )


def _entry_dates(grade: np.ndarray) -> np.ndarray:
    """1 September of the year the pupil entered the current school (primary, middle or high)."""
    years_in_school = grade - np.select([grade >= 9, grade >= 6], [9, 6], 0)
    entry_year = (AS_OF.year - years_in_school - 1970).astype("datetime64[Y]")
    return (entry_year.astype("datetime64[M]") + 8).astype("datetime64[D]")


def _assign_schools(ctx: TableContext, pupils: np.ndarray) -> np.ndarray:
    """A school of the pupil's level in the home street, or of that level anywhere if none."""
    schools = _schools(ctx.world)
    age = ctx.world.people.age(pupils)
    level = np.select([age >= 15, age >= 12], [2, 1], 0)
    street = _street_of_people(ctx.world, schools.streets)[pupils]
    school = np.empty(len(pupils), dtype=np.int64)
    for lv in range(len(_LEVELS)):
        for s in range(len(schools.streets)):
            rows = np.flatnonzero((level == lv) & (street == s))
            options = np.flatnonzero((schools.level == lv) & (schools.street == s))
            options = options if len(options) else np.flatnonzero(schools.level == lv)
            school[rows] = ctx.rng.choice(options, size=len(rows))
    return school


def _guardians(ctx: TableContext, pupils: np.ndarray) -> np.ndarray:
    """Mostly the mother; the father where she is absent or for some families; else the head."""
    people = ctx.world.people
    mother, father = people.parent(pupils, male=False), people.parent(pupils, male=True)
    prefer_father = ctx.rng.random(len(pupils)) < 0.35
    first, second = np.where(prefer_father, father, mother), np.where(prefer_father, mother, father)
    return np.where(first >= 0, first, np.where(second >= 0, second, people.head[people.household[pupils]]))


DEPARTMENT = Department(
    code="education",
    title="教育局",
    kind="csv",
    encoding="gbk",
    tables=(
        TableSpec(
            "student",
            "学生学籍",
            (
                varchar("学籍号", 19),
                varchar("姓名", 32),
                varchar("身份证号", 24),
                varchar("学校代码", 10),
                varchar("年级", 8),
                varchar("家庭住址", 200),
                varchar("监护人姓名", 32),
                varchar("监护人身份证号", 24),
                varchar("监护人电话", 20),
                varchar("入学日期", 10),
            ),
            ("学籍号",),
            _students,
        ),
        TableSpec(
            "school",
            "学校",
            (
                varchar("学校代码", 10),
                varchar("学校名称", 64),
                varchar("办学类型", 16),
                varchar("地址", 200),
                varchar("所属街道", 16),
            ),
            ("学校代码",),
            _school_table,
            referenced=True,
        ),
    ),
)
