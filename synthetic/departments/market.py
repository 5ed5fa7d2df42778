"""市场监督管理局: business registrations and annual reports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.addresses import AddressStyle
from synthetic.chunks import Chunk
from synthetic.companies import CLUSTER, ENTITY_TYPES, GENUINE, STATUSES
from synthetic.config import AS_OF
from synthetic.dates import random_times
from synthetic.fields import decimals, touched_since, words_at
from synthetic.identity import IdStyle
from synthetic.records import PersonStyle, person_ids, person_names, registered_addresses
from synthetic.schema import Department, TableSpec, date, decimal, integer, timestamp, varchar
from synthetic.world import TableContext, World

# Registration forms: formal, usually with the city prefix and road, rooms as 1202室 or 1202.
_ADDRESSES = AddressStyle(
    prefix=(0.2, 0.7, 0.1, 0.0),
    street=0.45,
    community=0.15,
    locator=(0.35, 0.45, 0.2),
    alias=0.02,
    numerals=(0.97, 0.02, 0.01),
    building_suffix=(0.7, 0.25, 0.05, 0.0),
    room_format=(0.75, 0.2, 0.0, 0.05, 0.0),
    missing_room=0.01,
    spaces=0.01,
    typo=0.003,
)
_PEOPLE = PersonStyle(ids=IdStyle(invalid=0.015, lower_x=0.05, spaces=0.0), name_space=0.0)
_SECRETARY = "（入驻深圳市前海商务秘书有限公司）"  # how 前海 secretary-service registrations read
_FIRST_REPORT_YEAR = 2019


def _registrations(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    companies = world.companies
    for rows in ctx.slices(len(companies)):
        index = np.arange(rows.start, rows.stop)
        rep = companies.legal_rep[index]
        address = registered_addresses(world.plate, companies, index, _ADDRESSES, ctx.rng)
        secretary = _in_qianhai_cluster(world, index)
        suffixed = pc.binary_join_element_wise(address.text, _SECRETARY, "")
        address = address.with_text(pc.if_else(pa.array(secretary), suffixed, address.text))
        yield (
            ctx.builder(companies.uscc[rows])
            .set("uscc", companies.uscc[rows])
            .set("entity_name", companies.name[rows])
            .set("entity_type", words_at(ENTITY_TYPES, companies.kind[index]))
            .set("legal_rep_name", person_names(world.people, rep, _PEOPLE, ctx.rng))
            .person_id("legal_rep_id", person_ids(world.people, rep, _PEOPLE, ctx.rng))
            .address("registered_address", address)
            .set("registered_capital", decimals(companies.capital_wan[index]))
            .set("established_date", companies.established[index])
            .set("status", words_at(STATUSES, companies.status[index]))
            .set("updated_at", touched_since(ctx.rng, companies.established[index]))
            .build()
        )


def _in_qianhai_cluster(world: World, index: np.ndarray) -> np.ndarray:
    in_qianhai = world.plate.in_virtual_community(world.companies.unit[index])
    return (world.companies.fake[index] == CLUSTER) & in_qianhai


@dataclass(frozen=True)
class _Reports:
    company: np.ndarray
    year: np.ndarray


def _report_rows(world: World) -> _Reports:
    """One report per company per year it was alive at the year's end, from 2019 to last year."""
    companies = world.companies
    years = np.arange(_FIRST_REPORT_YEAR, AS_OF.year)
    year_end = np.array([np.datetime64(f"{y}-12-31") for y in years])
    alive = (companies.established[:, None] <= year_end) & ~(companies.closed[:, None] <= year_end)
    company, which = np.nonzero(alive)
    return _Reports(company, years[which])


def _annual_reports(ctx: TableContext) -> Iterator[Chunk]:
    world = ctx.world
    companies = world.companies
    reports = _report_rows(world)
    insured = world.employment.insured_per_company(len(companies))
    for rows in ctx.slices(len(reports.company)):
        company, year = reports.company[rows], reports.year[rows]
        employees = _declared_employees(ctx.rng, insured[company], companies.fake[company])
        keys = pc.binary_join_element_wise(
            companies.uscc.take(pa.array(company)), pa.array(year.astype(str)), "|"
        )
        yield (
            ctx.builder(keys)
            .set("uscc", companies.uscc.take(pa.array(company)))
            .set("report_year", year)
            .set("employees", employees)
            .set("revenue_wan", decimals(_revenue(ctx.rng, employees, companies.fake[company])))
            .set("reported_at", _filing_times(ctx.rng, year))
            .build()
        )


def _declared_employees(rng: np.random.Generator, insured: np.ndarray, fake: np.ndarray) -> np.ndarray:
    """Genuine firms report roughly their insured staff; shells claim a few they do not insure."""
    honest = np.round(insured * rng.uniform(0.9, 1.3, len(insured))).astype(np.int64)
    return np.where(fake == GENUINE, honest, rng.integers(2, 16, len(insured)))


def _revenue(rng: np.random.Generator, employees: np.ndarray, fake: np.ndarray) -> np.ndarray:
    revenue = np.maximum(employees, 1) * rng.lognormal(3.0, 0.8, len(employees))
    return np.where(fake == GENUINE, revenue, rng.choice([0.0, 0.0, 1.5, 3.0], len(employees)))


def _filing_times(rng: np.random.Generator, year: np.ndarray) -> np.ndarray:
    """Annual reports are filed between January and June of the following year."""
    start = (year + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return random_times(rng, start + rng.integers(0, 181, len(year)).astype("timedelta64[D]"))


DEPARTMENT = Department(
    code="market",
    title="市场监督管理局",
    kind="postgres",
    tables=(
        TableSpec(
            "business_registration",
            "商事主体登记",
            (
                varchar("uscc", 18),
                varchar("entity_name", 100),
                varchar("entity_type", 16),
                varchar("legal_rep_name", 32),
                varchar("legal_rep_id", 24),
                varchar("registered_address", 240),
                decimal("registered_capital", 16, 2),
                date("established_date"),
                varchar("status", 8),
                timestamp("updated_at"),
            ),
            ("uscc",),
            _registrations,
            referenced=True,
        ),
        TableSpec(
            "annual_report",
            "企业年报",
            (
                varchar("uscc", 18),
                integer("report_year"),
                integer("employees"),
                decimal("revenue_wan", 16, 2),
                timestamp("reported_at"),
            ),
            ("uscc", "report_year"),
            _annual_reports,
            event_time="reported_at",
        ),
    ),
)
