"""人力资源和社会保障局: social insurance and employment registration, with 金保 (Golden Insurance)
column codes: aac = person, aab = employer, aae = common items."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.chunks import Chunk
from synthetic.config import AS_OF
from synthetic.dates import day, format_days
from synthetic.fields import pick, serials, touched_since
from synthetic.identity import IdStyle
from synthetic.records import PersonStyle, person_ids, person_names
from synthetic.schema import Department, TableSpec, timestamp, varchar
from synthetic.world import TableContext

_PEOPLE = PersonStyle(
    ids=IdStyle(invalid=0.02, lower_x=0.4, spaces=0.0, trailing_space=0.03), name_space=0.01
)
# aae140 险种: 企业职工基本养老保险 / 失业保险 / 职工基本医疗保险 / 工伤保险 / 生育保险
_INSURANCE_TYPES = ("110", "210", "310", "410", "510")
_INSURANCE_WEIGHTS = (0.6, 0.05, 0.3, 0.03, 0.02)
_ENDED_SHARE = 0.06  # stopped paying (left the job, moved away)
_POSTS = (
    "软件工程师",
    "销售代表",
    "行政专员",
    "会计",
    "普工",
    "厨师",
    "保安",
    "店员",
    "司机",
    "项目经理",
    "客服专员",
    "设计师",
    "测试工程师",
    "仓管员",
    "文员",
    "电工",
    "保洁员",
    "产品经理",
    "人事专员",
    "技术员",
)


def _insured(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    jobs = world.employment
    companies = world.companies
    for rows in ctx.slices(len(jobs.worker)):
        worker, employer = jobs.worker[rows], jobs.employer[rows]
        ended = ctx.rng.random(len(worker)) < _ENDED_SHARE
        end = jobs.since[rows] + ((day(AS_OF) - jobs.since[rows]) * ctx.rng.random(len(worker))).astype(
            "timedelta64[D]"
        )
        keys = serials("", 4403000001 + rows.start, 4403000001 + rows.stop, 10)
        yield (
            ctx.builder(keys)
            .set("aac001", keys)
            .person_id("aac002", person_ids(world.people, worker, _PEOPLE, ctx.rng))
            .set("aac003", person_names(world.people, worker, _PEOPLE, ctx.rng))
            .set("aab001", companies.uscc.take(pa.array(employer)))
            .set("aab004", companies.name.take(pa.array(employer)))
            .set("aae140", pick(ctx.rng, _INSURANCE_TYPES, len(worker), _INSURANCE_WEIGHTS))
            .set("aae030", format_days(jobs.since[rows], "{YYYY}{MM}"))
            .set("aae031", pc.if_else(pa.array(ended), format_days(end, "{YYYY}{MM}"), ""))
            .set("updated_at", touched_since(ctx.rng, jobs.since[rows]))
            .build()
        )


def _registrations(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    jobs = world.employment
    earlier = np.flatnonzero(jobs.previous_employer >= 0)
    # Current jobs first, then the earlier jobs of those who changed.
    worker = np.concatenate([jobs.worker, jobs.worker[earlier]])
    employer = np.concatenate([jobs.employer, jobs.previous_employer[earlier]])
    started = np.concatenate([jobs.since, jobs.previous_since[earlier]])
    for rows in ctx.slices(len(worker)):
        keys = serials("JY", rows.start + 1, rows.stop + 1, 12)
        yield (
            ctx.builder(keys)
            .set("jydjid", keys)
            .person_id("aac002", person_ids(world.people, worker[rows], _PEOPLE, ctx.rng))
            .set("aac003", person_names(world.people, worker[rows], _PEOPLE, ctx.rng))
            .set("aab001", world.companies.uscc.take(pa.array(employer[rows])))
            .set("jyrq", format_days(started[rows], "{YYYY}.{MM}.{DD}"))
            .set("gw", pick(ctx.rng, _POSTS, rows.stop - rows.start))
            .set("updated_at", touched_since(ctx.rng, started[rows]))
            .build()
        )


DEPARTMENT = Department(
    code="hrss",
    title="人力资源和社会保障局",
    kind="mysql",
    tables=(
        TableSpec(
            "social_insurance",
            "社会保险参保",
            (
                varchar("aac001", 10),
                varchar("aac002", 24),
                varchar("aac003", 32),
                varchar("aab001", 18),
                varchar("aab004", 100),
                varchar("aae140", 3),
                varchar("aae030", 6),
                varchar("aae031", 6),
                timestamp("updated_at"),
            ),
            ("aac001",),
            _insured,
        ),
        TableSpec(
            "employment",
            "就业登记",
            (
                varchar("jydjid", 14),
                varchar("aac002", 24),
                varchar("aac003", 32),
                varchar("aab001", 18),
                varchar("jyrq", 10),
                varchar("gw", 32),
                timestamp("updated_at"),
            ),
            ("jydjid",),
            _registrations,
        ),
    ),
)
