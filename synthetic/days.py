"""The district after day one: each later day changes about 1% of every table, deterministically.

A bureau lives on day two: rows arrive, change and disappear in the departments' systems. Every row of
a table is given a fate from its own random stream (independent of the day asked for): the day it
arrives (most on day one; a reserve over ``ARRIVAL_DAYS`` later days), the day it is hard-deleted (if
ever), and each later day it is updated. ``generate --day N`` writes the sources as they stand at the
end of day N, so day 1 → 2 → 3 replays exactly, and writes which rows changed on day N to
``_truth/changes.parquet`` beside the address and person truth (which follow the rows).

Per day, of a table's rows: about 0.3% arrive, 0.5% are updated and 0.1% are deleted. Of the arrivals a
fifth are *late*: stamped two days earlier than they arrive, which an incremental load that trusts its
watermark misses. An update moves an address (another row's address, with its truth), changes the
amounts and stamps the row. Tables other tables point at (``TableSpec.referenced``: the plate, schools,
meters…) are only updated, so no reference dangles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.chunks import Chunk
from synthetic.config import AS_OF
from synthetic.schema import TableSpec
from synthetic.seeding import stream

ARRIVE_SHARE = 0.003  # of a table's rows, per day from day 2
UPDATE_SHARE = 0.005
DELETE_SHARE = 0.001
ARRIVAL_DAYS = 7  # days 2..8 receive arrivals and deletions; later days only updates
LATE_SHARE = 0.2  # of the arrivals: stamped LATE_BY earlier than they arrive
LATE_BY = dt.timedelta(days=2)
NEVER = np.iinfo(np.int32).max
CHANGES = pa.schema([("department", pa.string()), ("table", pa.string()), ("record_key", pa.string()),
                     ("change", pa.string()), ("late", pa.bool_())])


def as_of(day: int) -> dt.date:
    """The district's date at the end of ``day`` (day 1 is the date it was first generated for)."""
    return AS_OF + dt.timedelta(days=day - 1)


@dataclass
class Fates:
    """Per row of a chunk: the day it arrives (and when in the day), the day it is deleted, whether it
    arrives late."""

    arrives: np.ndarray
    moment: np.ndarray
    deleted: np.ndarray
    late: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator, rows: int, spec: TableSpec) -> Fates:
        arrival, moment, deletion, lateness = (rng.random(rows) for _ in range(4))
        if spec.referenced:
            return cls(np.ones(rows, np.int32), moment, np.full(rows, NEVER, np.int32), np.zeros(rows, bool))
        arrives = np.where(arrival < ARRIVE_SHARE * ARRIVAL_DAYS, 2 + (arrival / ARRIVE_SHARE).astype(np.int32), 1)
        deleted = np.where(deletion < DELETE_SHARE * ARRIVAL_DAYS, 2 + (deletion / DELETE_SHARE).astype(np.int32),
                           NEVER)
        deleted = np.where(deleted > arrives, deleted, NEVER)  # a row is deleted only after it arrived
        return cls(arrives.astype(np.int32), moment, deleted.astype(np.int32), (lateness < LATE_SHARE) & (arrives > 1))

    def alive(self, day: int) -> np.ndarray:
        return (self.arrives <= day) & (self.deleted > day)


class TableDays:
    """Turns a table's day-one chunks into its chunks at the end of ``day``, and says what changed that day."""

    def __init__(self, seed: int, department: str, spec: TableSpec, day: int):
        self.department, self.spec, self.day = department, spec, day
        self._fates = stream(seed, f"{department}.{spec.name}#fates")
        self._days = {d: stream(seed, f"{department}.{spec.name}#day{d}") for d in range(2, day + 1)}
        self.changes: list[pa.Table] = []

    def evolve(self, chunks: Iterator[Chunk]) -> Iterator[Chunk]:
        for chunk in chunks:
            yield self._chunk(chunk)

    def _chunk(self, chunk: Chunk) -> Chunk:
        rows = chunk.data.num_rows
        fates = Fates.draw(self._fates, rows, self.spec)
        arrived = (fates.arrives > 1) & (fates.arrives <= self.day)
        arrival = _stamps(fates.arrives, fates.moment)
        arrival[fates.late] -= np.timedelta64(int(LATE_BY.total_seconds()), "s")
        chunk = _stamp(chunk, self.spec.event_time, arrival, arrived)
        modified, touched = arrival.copy(), arrived.copy()
        updated_today = np.zeros(rows, bool)
        for d, rng in self._days.items():
            # Drawn for every row whatever is updated, so each day's changes are the same however far a run goes.
            chance, donors, moment = rng.random(rows), rng.integers(0, max(rows, 1), rows), rng.random(rows)
            updated = (chance < UPDATE_SHARE) & fates.alive(d) & (fates.arrives < d)
            if updated.any():
                chunk = _update(chunk, self.spec, np.flatnonzero(updated), donors[updated])
                modified[updated] = _stamps(np.full(rows, d), moment)[updated]
                touched |= updated
            if d == self.day:
                updated_today = updated
        chunk = _stamp(chunk, self.spec.modified_at, modified, touched)
        self._record_changes(chunk, fates, updated_today)
        return _keep(chunk, self.spec, fates.alive(self.day))

    def _record_changes(self, chunk: Chunk, fates: Fates, updated: np.ndarray) -> None:
        if self.day == 1:
            return
        keys = record_keys(chunk.data, self.spec)
        arrived = fates.arrives == self.day
        deleted = fates.deleted == self.day
        updated = updated & ~arrived & ~deleted
        for mask, change in ((arrived, "insert"), (updated, "update"), (deleted, "delete")):
            if mask.any():
                count = int(mask.sum())
                self.changes.append(pa.table({
                    "department": pa.array([self.department] * count), "table": pa.array([self.spec.name] * count),
                    "record_key": keys.filter(pa.array(mask)), "change": pa.array([change] * count),
                    "late": pa.array(fates.late[mask] & (change == "insert"))}, schema=CHANGES))


def _stamps(days: np.ndarray, moments: np.ndarray) -> np.ndarray:
    """Times within working hours (08:00–18:00) of the given days."""
    start = np.datetime64(as_of(1), "s") + np.timedelta64(8 * 3600, "s")
    offsets = (days.astype(np.int64) - 1) * 86_400 + (moments * 36_000).astype(np.int64)
    return start + offsets.astype("timedelta64[s]")


def record_keys(data: pa.Table, spec: TableSpec) -> pa.Array:
    """The rows' keys as the truth files write them (composite keys joined with ``|``)."""
    parts = [pc.cast(data.column(name), pa.string()) for name in spec.key]
    keys = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "|")
    return keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys


def _update(chunk: Chunk, spec: TableSpec, rows: np.ndarray, donors: np.ndarray) -> Chunk:
    """Rows ``rows`` take the addresses and amounts of rows ``donors``; the address truth follows."""
    source = np.arange(chunk.data.num_rows)
    source[rows] = donors
    take = pa.array(source)
    addresses = {truth["column"][0].as_py() for truth in chunk.address_truth if truth.num_rows}
    changing = [c.name for c in spec.columns if c.name not in spec.key and (c.kind == "decimal" or c.name in addresses)]
    data = chunk.data
    for name in changing:
        data = data.set_column(data.schema.get_field_index(name), name, data.column(name).take(take))
    if not addresses:
        return Chunk(data, chunk.address_truth, chunk.person_truth)
    keys = record_keys(chunk.data, spec)
    moved = dict(zip(keys.take(pa.array(rows)).to_pylist(), keys.take(pa.array(donors)).to_pylist(), strict=True))
    return Chunk(data, [_moved_truth(truth, moved) for truth in chunk.address_truth], chunk.person_truth)


def _moved_truth(truth: pa.Table, moved: dict[str, str]) -> pa.Table:
    """Address truth after rows moved: a moved row's truth is its donor's, under the moved row's key."""
    if not truth.num_rows:
        return truth
    stays = truth.filter(pc.invert(pc.is_in(truth["record_key"], pa.array(list(moved), pa.string()))))
    by_donor: dict[str, list[str]] = {}
    for row, donor in moved.items():
        by_donor.setdefault(donor, []).append(row)
    donors = truth.filter(pc.is_in(truth["record_key"], pa.array(list(by_donor), pa.string())))
    positions, new_keys = [], []
    for position, donor in enumerate(donors["record_key"].to_pylist()):
        for row in by_donor[donor]:
            positions.append(position)
            new_keys.append(row)
    taken = donors.take(pa.array(positions, pa.int64()))
    taken = taken.set_column(taken.schema.get_field_index("record_key"), "record_key", pa.array(new_keys, pa.string()))
    return pa.concat_tables([stays, taken])


def _stamp(chunk: Chunk, column: str | None, stamps: np.ndarray, touched: np.ndarray) -> Chunk:
    if column is None or not touched.any():
        return chunk
    data = chunk.data
    index = data.schema.get_field_index(column)
    stamped = pc.if_else(pa.array(touched), pa.array(stamps, data.schema.field(column).type), data.column(column))
    return Chunk(data.set_column(index, column, stamped), chunk.address_truth, chunk.person_truth)


def _keep(chunk: Chunk, spec: TableSpec, alive: np.ndarray) -> Chunk:
    if alive.all():
        return chunk
    data = chunk.data.filter(pa.array(alive))
    kept = pa.array(record_keys(data, spec).to_pylist(), pa.string()) if data.num_rows else pa.array([], pa.string())

    def truth(tables: list[pa.Table]) -> list[pa.Table]:
        return [table.filter(pc.is_in(table["record_key"], kept)) for table in tables]

    return Chunk(data, truth(chunk.address_truth), truth(chunk.person_truth))
