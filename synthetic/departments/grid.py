"""网格管理中心: grids and their grid workers (pinyin-initial column names, as in many local systems)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.chunks import Chunk
from synthetic.config import AS_OF
from synthetic.dates import format_days, random_days
from synthetic.fields import decimals, serials, text_of
from synthetic.identity import IdStyle
from synthetic.records import PersonStyle, person_ids, person_names, person_phones
from synthetic.schema import Department, TableSpec, decimal, varchar
from synthetic.world import TableContext, World

# Grid workers' own records are kept carefully: few broken IDs, every phone present.
_PEOPLE = PersonStyle(ids=IdStyle(invalid=0.01, lower_x=0.1), name_space=0.0, phone_missing=0.0)
_FIRST_HIRED = dt.date(2014, 3, 1)  # grid management started in the district


@dataclass(frozen=True)
class GridStaff:
    person: np.ndarray
    grid: np.ndarray
    first_of_grid: np.ndarray  # per grid: index of its lead worker in the staff arrays


def grid_staff(world: World) -> GridStaff:
    """Grid workers: one to three per grid, the first leads it (shared with urban's event reports)."""

    def build(rng: np.random.Generator) -> GridStaff:
        grids = len(world.plate.grids.community)
        per_grid = rng.integers(1, 4, grids)
        grid = np.repeat(np.arange(grids), per_grid)
        person = rng.choice(world.people.adults(), size=len(grid), replace=False)
        return GridStaff(person, grid, np.concatenate([[0], np.cumsum(per_grid)[:-1]]))

    return world.plan("grid.staff", build)


def _cells(ctx: TableContext) -> Iterator[Chunk]:
    plate = ctx.world.plate
    staff = grid_staff(ctx.world)
    grids = plate.grids
    for rows in ctx.slices(len(grids.community)):
        index = np.arange(rows.start, rows.stop)
        community = grids.community[index]
        names = pa.array([plate.communities[c].name for c in community])
        numbers = pc.utf8_lpad(
            text_of(index - np.searchsorted(grids.community, community) + 1), width=2, padding="0"
        )
        lead = staff.person[staff.first_of_grid[index]]
        yield (
            ctx.builder(grids.code[rows])
            .set("wgbm", grids.code[rows])
            .set("wgmc", pc.binary_join_element_wise(names, "第", numbers, "网格", ""))
            .set("sqbm", pa.array([plate.communities[c].code for c in community]))
            .set("sqmc", names)
            .set("wgy_xm", person_names(ctx.world.people, lead, _PEOPLE, ctx.rng))
            .set("wgy_dh", person_phones(ctx.world.people, lead, _PEOPLE, ctx.rng))
            .set("mj_pfm", decimals(ctx.rng.uniform(40_000, 400_000, len(index))))
            .build()
        )


def _workers(ctx: TableContext) -> Iterator[Chunk]:
    staff = grid_staff(ctx.world)
    people = ctx.world.people
    for rows in ctx.slices(len(staff.person)):
        person = staff.person[rows]
        ids = serials("WGY", rows.start + 1, rows.stop + 1, 6)
        hired = random_days(ctx.rng, _FIRST_HIRED, AS_OF, len(person))
        yield (
            ctx.builder(ids)
            .set("ryid", ids)
            .set("xm", person_names(people, person, _PEOPLE, ctx.rng))
            .person_id("sfzh", person_ids(people, person, _PEOPLE, ctx.rng))
            .set("lxdh", person_phones(people, person, _PEOPLE, ctx.rng))
            .set("wgbm", ctx.world.plate.grids.code.take(pa.array(staff.grid[rows])))
            .set("rzrq", format_days(hired, "{YYYY}-{MM}-{DD}"))
            .build()
        )


DEPARTMENT = Department(
    code="grid",
    title="网格管理中心",
    kind="sqlite",
    tables=(
        TableSpec(
            "grid_cell",
            "网格",
            (
                varchar("wgbm", 15),
                varchar("wgmc", 64),
                varchar("sqbm", 12),
                varchar("sqmc", 32),
                varchar("wgy_xm", 32),
                varchar("wgy_dh", 20),
                decimal("mj_pfm", 12, 2),
            ),
            ("wgbm",),
            _cells,
            referenced=True,
        ),
        TableSpec(
            "grid_staff",
            "网格员",
            (
                varchar("ryid", 10),
                varchar("xm", 32),
                varchar("sfzh", 24),
                varchar("lxdh", 20),
                varchar("wgbm", 15),
                varchar("rzrq", 10),
            ),
            ("ryid",),
            _workers,
        ),
    ),
)
