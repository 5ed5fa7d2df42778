"""The source departments of the synthetic district, in generation order."""

from __future__ import annotations

from synthetic.departments import (
    civil,
    disability,
    education,
    grid,
    health,
    hotline,
    hrss,
    market,
    natres,
    police,
    tax,
    urban,
    water,
)
from synthetic.schema import Department

DEPARTMENTS: tuple[Department, ...] = tuple(
    module.DEPARTMENT
    for module in (natres, grid, police, market, tax, hrss, civil, health, education, hotline, urban, water, disability)
)
