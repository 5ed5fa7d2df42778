"""Day two of the synthetic district (synthetic.days): about 1% of every table changes, the change
truth says exactly which rows, the address truth follows moved rows, and day N replays the same."""

from __future__ import annotations

from datetime import datetime, time

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from synthetic.chunks import Chunk
from synthetic.config import SCALES
from synthetic.days import ARRIVAL_DAYS, TableDays, as_of, record_keys
from synthetic.departments import DEPARTMENTS
from synthetic.schema import Department, TableSpec
from synthetic.seeding import stream
from synthetic.world import TableContext, World

SEED = 440305
TABLES = [(department, spec) for department in DEPARTMENTS for spec in department.tables]


@pytest.fixture(scope="module")
def world() -> World:
    return World(SCALES["demo"], SEED)


def table_at(world: World, department: Department, spec: TableSpec, day: int) -> tuple[Chunk, pa.Table]:
    """The table at the end of ``day`` as one chunk, and the changes made on that day."""
    context = TableContext(world, department.code, spec, stream(SEED, f"{department.code}.{spec.name}"))
    days = TableDays(SEED, department.code, spec, day)
    chunks = list(days.evolve(spec.build(context)))
    data = pa.concat_tables([chunk.data for chunk in chunks])
    truth = [table for chunk in chunks for table in chunk.address_truth]
    changes = pa.concat_tables(days.changes) if days.changes else None
    return Chunk(data, truth, [t for chunk in chunks for t in chunk.person_truth]), changes


def rows_by_key(chunk: Chunk, spec: TableSpec) -> dict[str, dict]:
    keys = record_keys(chunk.data, spec).to_pylist()
    return dict(zip(keys, chunk.data.to_pylist(), strict=True))


def changed(changes: pa.Table | None, kind: str) -> set[str]:
    if changes is None:
        return set()
    return set(changes.filter(pc.equal(changes["change"], kind))["record_key"].to_pylist())


@pytest.mark.parametrize(("department", "spec"), TABLES, ids=[f"{d.code}.{s.name}" for d, s in TABLES])
def test_day_two_changes_about_one_percent_and_the_change_truth_names_every_changed_row(
        world: World, department: Department, spec: TableSpec) -> None:
    day1, none = table_at(world, department, spec, 1)
    day2, changes = table_at(world, department, spec, 2)
    assert none is None
    before, after = rows_by_key(day1, spec), rows_by_key(day2, spec)
    assert len(before) == day1.data.num_rows and len(after) == day2.data.num_rows, "keys stay unique"
    assert set(after) - set(before) == changed(changes, "insert")
    assert set(before) - set(after) == changed(changes, "delete")
    differ = {key for key in set(before) & set(after) if before[key] != after[key]}
    assert differ <= changed(changes, "update"), "a row changed that the truth does not name"
    share = len(differ | changed(changes, "insert") | changed(changes, "delete")) / max(len(before), 1)
    # An update moves addresses, changes amounts and stamps the row: a table with none of these (a log of
    # process steps) only gains and loses rows.
    updatable = spec.modified_at or day1.address_truth or any(c.kind == "decimal" for c in spec.columns)
    if len(before) >= 5_000:
        assert (0.004 if updatable else 0.002) <= share <= 0.02, f"{share:.4f} of the rows changed"
    if spec.referenced:
        assert not changed(changes, "insert") and not changed(changes, "delete"), "nothing points at nothing"
    if spec.modified_at and differ:
        start = datetime.combine(as_of(2), time(8))
        assert all(after[key][spec.modified_at] >= start for key in differ), "an update stamps the row"


@pytest.mark.parametrize(("department", "spec"), [t for t in TABLES if t[1].name in ("resident", "meter_reading")],
                         ids=lambda value: getattr(value, "name", getattr(value, "code", "")))
def test_arrivals_are_stamped_on_their_day_and_a_fifth_arrive_late(world: World, department: Department,
                                                                   spec: TableSpec) -> None:
    day3, changes = table_at(world, department, spec, 3)
    column = spec.event_time or spec.modified_at
    rows = rows_by_key(day3, spec)
    inserted = changes.filter(pc.equal(changes["change"], "insert"))
    late = set(inserted.filter(inserted["late"])["record_key"].to_pylist())
    on_time = set(inserted["record_key"].to_pylist()) - late
    start, end = datetime.combine(as_of(3), time(8)), datetime.combine(as_of(3), time(18))
    assert on_time and late
    assert all(start <= rows[key][column] <= end for key in on_time)
    assert all(rows[key][column] < start for key in late), "late rows carry an earlier time than they arrive"
    assert 0.1 <= len(late) / len(inserted) <= 0.3


def test_address_truth_follows_the_rows_moved_and_leaves_with_the_rows_deleted(world: World) -> None:
    department = next(d for d in DEPARTMENTS if d.code == "police")
    spec = department.tables[0]
    day4, changes = table_at(world, department, spec, 4)
    keys = set(record_keys(day4.data, spec).to_pylist())
    truth = pa.concat_tables(day4.address_truth)
    assert set(truth["record_key"].to_pylist()) <= keys
    person_truth = pa.concat_tables(day4.person_truth)
    assert set(person_truth["record_key"].to_pylist()) <= keys
    texts = {(row["record_key"], row["column"]): row["address_text"] for row in truth.to_pylist()}
    rows = rows_by_key(day4, spec)
    moved = [key for key in changed(changes, "update") if key in rows]
    assert moved
    for key in moved:
        for column in {column for (k, column) in texts if k == key}:
            assert texts[(key, column)] == rows[key][column], "the truth of a moved row is its new address's"


def test_day_n_replays_the_same_and_later_days_build_on_earlier_ones(world: World) -> None:
    department = next(d for d in DEPARTMENTS if d.code == "water")
    spec = next(t for t in department.tables if t.name == "meter_reading")
    first, _ = table_at(world, department, spec, 3)
    again, _ = table_at(world, department, spec, 3)
    assert first.data.equals(again.data)
    _, changes2 = table_at(world, department, spec, 2)
    day3, changes3 = table_at(world, department, spec, 3)
    inserted_on_2 = changed(changes2, "insert")
    assert inserted_on_2 <= set(rows_by_key(day3, spec)) | changed(changes3, "delete")
    assert ARRIVAL_DAYS >= 2
