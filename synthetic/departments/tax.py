"""税务局: taxpayer registrations (with the operating address) and monthly declarations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from synthetic.addresses import AddressStyle
from synthetic.chunks import Chunk
from synthetic.companies import ACTIVE, CANCELLED, CLUSTER, GENUINE, NONEXISTENT, SOLE_TRADER
from synthetic.config import AS_OF
from synthetic.dates import day, format_days, random_times
from synthetic.fields import decimals, serials, touched_since, words_at
from synthetic.plate import OFFICE
from synthetic.records import WrittenAddress, unit_addresses
from synthetic.schema import Department, TableSpec, decimal, timestamp, varchar
from synthetic.world import TableContext, World

# Tax officers type what the firm states: shorter, often without the province or the street.
_ADDRESSES = AddressStyle(
    prefix=(0.05, 0.45, 0.4, 0.1),
    street=0.15,
    community=0.05,
    locator=(0.3, 0.35, 0.35),
    alias=0.1,
    numerals=(0.93, 0.04, 0.03),
    building_suffix=(0.75, 0.15, 0.1, 0.0),
    room_format=(0.6, 0.3, 0.05, 0.05, 0.0),
    missing_room=0.05,
    spaces=0.05,
    typo=0.01,
)
NORMAL, CANCELLED_CODE, ABNORMAL = "03", "05", "06"  # 正常 / 注销 / 非正常户
TAX_ITEMS = ("增值税", "城市维护建设税", "个人所得税", "企业所得税")
_MONTHS = 3  # declaration periods generated: the last three full months
_SAME_PLACE, _ELSEWHERE, _BLANK = range(3)
# Where firms say they operate, by kind of registration: same unit / elsewhere / left blank.
_OPERATING = {GENUINE: (0.8, 0.12, 0.08), CLUSTER: (0.0, 0.4, 0.6), NONEXISTENT: (0.0, 0.4, 0.6)}


@dataclass(frozen=True)
class _Taxpayers:
    company: np.ndarray
    status: np.ndarray  # NORMAL / CANCELLED_CODE / ABNORMAL


def _taxpayers(world: World) -> _Taxpayers:
    def build(rng: np.random.Generator) -> _Taxpayers:
        companies = world.companies
        share = np.where(companies.status == ACTIVE, 0.92, np.where(companies.status == CANCELLED, 0.8, 0.5))
        share = np.where(companies.fake == CLUSTER, 1.0, np.where(companies.fake == NONEXISTENT, 0.7, share))
        company = np.flatnonzero(rng.random(len(companies)) < share)
        status = np.where(
            companies.status[company] == ACTIVE,
            NORMAL,
            np.where(companies.status[company] == CANCELLED, CANCELLED_CODE, ABNORMAL),
        )
        shell_gone_quiet = (companies.fake[company] == CLUSTER) & (rng.random(len(company)) < 0.3)
        return _Taxpayers(company, np.where(shell_gone_quiet, ABNORMAL, status))

    return world.plan("tax.taxpayers", build)


def _registrations(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    companies = world.companies
    taxpayers = _taxpayers(world)
    for rows in ctx.slices(len(taxpayers.company)):
        company = taxpayers.company[rows]
        uscc = companies.uscc.take(pa.array(company))
        registered = np.minimum(
            companies.established[company] + ctx.rng.integers(0, 60, len(company)), day(AS_OF)
        )
        yield (
            ctx.builder(uscc)
            .set("nsrsbh", uscc)
            .set("nsrmc", companies.name.take(pa.array(company)))
            .address("scjydz", _operating_addresses(ctx, company))
            .set("zgswjg", _tax_offices(world, company))
            .set("djrq", format_days(registered, "{YYYY}-{MM}-{DD}"))
            .set("nsrzt", pa.array(taxpayers.status[rows], pa.string()))
            .set("updated_at", touched_since(ctx.rng, registered))
            .build()
        )


def _operating_addresses(ctx: TableContext, company: np.ndarray) -> WrittenAddress:
    """Genuine firms mostly operate where registered; fake-address ones elsewhere or say nothing."""
    plate, companies = ctx.world.plate, ctx.world.companies
    fake = companies.fake[company]
    draw = ctx.rng.random(len(company))
    same_place, elsewhere = (np.array([_OPERATING[f][i] for f in range(3)])[fake] for i in range(2))
    choice = np.where(
        draw < same_place, _SAME_PLACE, np.where(draw < same_place + elsewhere, _ELSEWHERE, _BLANK)
    )
    other = ctx.rng.choice(plate.units_of_usage(OFFICE), size=len(company))
    unit = np.where(choice == _SAME_PLACE, companies.unit[company], other)
    return unit_addresses(plate, unit, _ADDRESSES, ctx.rng).blanked(choice == _BLANK)


def _tax_offices(world: World, company: np.ndarray) -> pa.Array:
    plate = world.plate
    names = [
        "国家税务总局深圳市前海税务局"
        if c.virtual
        else f"国家税务总局深圳市南山区税务局{c.street_name.removesuffix('街道')}税务所"
        for c in plate.communities
    ]
    community = plate.community_of_units(world.companies.unit[company])
    return pa.array(names).take(pa.array(community))


def _declarations(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    taxpayers = _taxpayers(world)
    declaring = taxpayers.company[taxpayers.status == NORMAL]
    insured = world.employment.insured_per_company(len(world.companies))
    written = 0
    for rows in ctx.slices(len(declaring), rows_per_item=_MONTHS * len(TAX_ITEMS)):
        company, month, item, amount = _declared(ctx, declaring[rows], insured)
        keys = serials("10", written + 1, written + len(company) + 1, 16)
        written += len(company)
        yield (
            ctx.builder(keys)
            .set("sbxh", keys)
            .set("nsrsbh", world.companies.uscc.take(pa.array(company)))
            .set("sssq", format_days(month, "{YYYY}{MM}"))
            .set("zsxm", words_at(TAX_ITEMS, item))
            .set("ynse", decimals(amount))
            .set("sbrq", _declared_times(ctx.rng, month))
            .build()
        )


def _declared_times(rng: np.random.Generator, period: np.ndarray) -> np.ndarray:
    """Declarations are filed in the first half of the following month."""
    next_month = (period.astype("datetime64[M]") + 1).astype("datetime64[D]")
    return random_times(rng, next_month + rng.integers(0, 15, len(period)).astype("timedelta64[D]"))


def _declared(
    ctx: TableContext, company: np.ndarray, insured: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows (company, period, item, amount): VAT every month (shells declare zero), city tax on any
    VAT, withheld income tax for firms with staff, corporate income tax in the quarter's last month."""
    companies = ctx.world.companies
    last = day(AS_OF).astype("datetime64[M]")
    months = last - np.arange(_MONTHS, 0, -1)
    n, m = len(company), len(months)
    size = np.maximum(companies.size[company], 0.2)[:, None]
    vat = np.where((companies.fake[company] == GENUINE)[:, None], size * ctx.rng.lognormal(7, 1, (n, m)), 0.0)
    amounts = np.stack(
        [
            vat,
            vat * 0.07,
            insured[company][:, None] * ctx.rng.lognormal(5.5, 0.7, (n, m)),
            size * ctx.rng.lognormal(8, 1, (n, m)),
        ],
        axis=2,
    )
    quarter_end = (months.astype(int) % 12 + 1) % 3 == 0
    present = np.stack(
        [
            np.ones((n, m), bool),
            vat > 0,
            (insured[company] > 0)[:, None] & np.ones((n, m), bool),
            (companies.kind[company] != SOLE_TRADER)[:, None] & quarter_end[None, :],
        ],
        axis=2,
    )
    who, when, what = np.nonzero(present)
    return company[who], months[when].astype("datetime64[D]"), what, amounts[who, when, what]


DEPARTMENT = Department(
    code="tax",
    title="税务局",
    kind="mysql",
    tables=(
        TableSpec(
            "taxpayer",
            "纳税人登记",
            (
                varchar("nsrsbh", 18),
                varchar("nsrmc", 100),
                varchar("scjydz", 240),
                varchar("zgswjg", 64),
                varchar("djrq", 10),
                varchar("nsrzt", 2),
                timestamp("updated_at"),
            ),
            ("nsrsbh",),
            _registrations,
            referenced=True,
        ),
        TableSpec(
            "tax_declaration",
            "纳税申报",
            (
                varchar("sbxh", 18),
                varchar("nsrsbh", 18),
                varchar("sssq", 6),
                varchar("zsxm", 16),
                decimal("ynse", 16, 2),
                timestamp("sbrq"),
            ),
            ("sbxh",),
            _declarations,
            event_time="sbrq",
        ),
    ),
)
