"""Ground truth beside the sources, as Parquet in ``_truth/``, written as chunks arrive."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from synthetic.chunks import ADDRESS_TRUTH, PERSON_TRUTH, Chunk
from synthetic.companies import FAKE_REASONS, GENUINE
from synthetic.config import CHUNK_ROWS
from synthetic.days import CHANGES
from synthetic.plate import Plate
from synthetic.world import World

UNITS = pa.schema(
    [
        ("unit_code", pa.string()),
        ("building_code", pa.string()),
        ("grid_code", pa.string()),
        ("community_code", pa.string()),
        ("street_code", pa.string()),
        ("estate_id", pa.string()),
        ("std_address", pa.string()),
    ]
)
COMPANIES = pa.schema(
    [
        ("uscc", pa.string()),
        ("true_unit_code", pa.string()),
        ("fake_address", pa.bool_()),
        ("reason", pa.string()),
        ("uscc_valid", pa.bool_()),
    ]
)


class TruthWriter:
    """Streams address and person truth from chunks; writes the unit and company truth at the end."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._addresses = pq.ParquetWriter(folder / "address_truth.parquet", ADDRESS_TRUTH)
        self._persons = pq.ParquetWriter(folder / "person_truth.parquet", PERSON_TRUTH)
        self._changes = pq.ParquetWriter(folder / "changes.parquet", CHANGES)  # empty on day 1

    def __enter__(self) -> TruthWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._addresses.close()
        self._persons.close()
        self._changes.close()

    def write(self, chunk: Chunk) -> None:
        for table in chunk.address_truth:
            self._addresses.write_table(table)
        for table in chunk.person_truth:
            self._persons.write_table(table)

    def write_changes(self, tables: list[pa.Table]) -> None:
        """The rows the day inserted, updated or deleted (synthetic.days)."""
        for table in tables:
            self._changes.write_table(table)

    def write_pools(self, world: World) -> None:
        _write_units(world, self.folder / "units.parquet")
        _write_companies(world, self.folder / "company_truth.parquet")


def _write_units(world: World, path: Path) -> None:
    with pq.ParquetWriter(path, UNITS) as writer:
        for start in range(0, world.plate.unit_count, CHUNK_ROWS):
            units = np.arange(start, min(world.plate.unit_count, start + CHUNK_ROWS))
            writer.write_table(_unit_rows(world.plate, units))


def _unit_rows(plate: Plate, units: np.ndarray) -> pa.Table:
    buildings = plate.units.building[units]
    community = pa.array(plate.buildings.community[buildings])
    estate = plate.buildings.estate[buildings]
    columns = {
        "unit_code": plate.unit_codes(units),
        "building_code": plate.buildings.code.take(pa.array(buildings)),
        "grid_code": plate.grids.code.take(pa.array(plate.buildings.grid[buildings])),
        "community_code": pa.array([c.code for c in plate.communities]).take(community),
        "street_code": pa.array([c.street_code[:9] for c in plate.communities]).take(community),
        "estate_id": plate.estates.estate_id.take(pa.array(estate, pa.int64(), mask=estate < 0)),
        "std_address": plate.standard_unit_addresses(units),
    }
    return pa.table(columns, schema=UNITS)


def _write_companies(world: World, path: Path) -> None:
    with pq.ParquetWriter(path, COMPANIES) as writer:
        for start in range(0, len(world.companies), CHUNK_ROWS):
            index = np.arange(start, min(len(world.companies), start + CHUNK_ROWS))
            writer.write_table(_company_rows(world, index))


def _company_rows(world: World, index: np.ndarray) -> pa.Table:
    companies = world.companies
    exists = companies.address_exists(index)
    unit_codes = world.plate.unit_codes(companies.unit[index])
    columns = {
        "uscc": companies.uscc.take(pa.array(index)),
        "true_unit_code": pc.if_else(pa.array(exists), unit_codes, pa.scalar(None, pa.string())),
        "fake_address": pa.array(companies.fake[index] != GENUINE),
        "reason": pa.array(FAKE_REASONS, pa.string()).take(pa.array(companies.fake[index])),
        "uscc_valid": pa.array(companies.uscc_valid[index]),
    }
    return pa.table(columns, schema=COMPANIES)
