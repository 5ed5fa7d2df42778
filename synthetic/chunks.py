"""A chunk of table rows plus the ground truth about what those rows were meant to say."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from blocklake.errors import BlocklakeError
from synthetic.records import PersonIds, WrittenAddress
from synthetic.schema import TableSpec

ADDRESS_TRUTH = pa.schema(
    [
        ("department", pa.string()),
        ("table", pa.string()),
        ("record_key", pa.string()),
        ("column", pa.string()),
        ("address_text", pa.string()),
        ("true_unit_code", pa.string()),
        ("true_building_code", pa.string()),
        ("exists", pa.bool_()),
        ("room_written", pa.bool_()),
    ]
)
PERSON_TRUTH = pa.schema(
    [
        ("department", pa.string()),
        ("table", pa.string()),
        ("record_key", pa.string()),
        ("column", pa.string()),
        ("id_as_written", pa.string()),
        ("person_id", pa.int64()),
        ("true_id_number", pa.string()),
        ("id_valid", pa.bool_()),
    ]
)


class SpecMismatchError(BlocklakeError):
    """A table generator produced columns that differ from its table spec (a bug in the generator)."""


@dataclass
class Chunk:
    data: pa.Table
    address_truth: list[pa.Table] = field(default_factory=list)
    person_truth: list[pa.Table] = field(default_factory=list)


class ChunkBuilder:
    """Collects one chunk's columns in any order and records truth for address and ID columns.

    ``keys`` are the record keys as text (composite keys joined with ``|``), used by the truth files.
    """

    def __init__(self, department: str, spec: TableSpec, keys: pa.Array):
        self._department = department
        self._spec = spec
        self._keys = keys
        self._columns: dict[str, pa.Array] = {}
        self._chunk = Chunk(pa.table({}))

    def set(self, column: str, values: pa.Array | np.ndarray) -> ChunkBuilder:
        self._columns[column] = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
        return self

    def address(self, column: str, written: WrittenAddress) -> ChunkBuilder:
        self.set(column, written.text)
        present = pc.is_valid(written.text)
        rows = {
            "department": self._constant(self._department),
            "table": self._constant(self._spec.name),
            "record_key": self._record_keys,
            "column": self._constant(column),
            "address_text": written.text,
            "true_unit_code": written.unit_code,
            "true_building_code": written.building_code,
            "exists": pa.array(written.exists),
            "room_written": pa.array(written.room_written),
        }
        self._chunk.address_truth.append(pa.table(rows, schema=ADDRESS_TRUTH).filter(present))
        return self

    def person_id(self, column: str, ids: PersonIds) -> ChunkBuilder:
        self.set(column, ids.text)
        rows = {
            "department": self._constant(self._department),
            "table": self._constant(self._spec.name),
            "record_key": self._record_keys,
            "column": self._constant(column),
            "id_as_written": ids.text,
            "person_id": pa.array(ids.person),
            "true_id_number": ids.true_id,
            "id_valid": pa.array(ids.valid),
        }
        self._chunk.person_truth.append(pa.table(rows, schema=PERSON_TRUTH).filter(pa.array(ids.person >= 0)))
        return self

    def build(self) -> Chunk:
        missing = [name for name in self._spec.column_names if name not in self._columns]
        extra = [name for name in self._columns if name not in self._spec.column_names]
        if missing or extra:
            raise SpecMismatchError(
                f"{self._department}.{self._spec.name}: missing {missing}, unexpected {extra}"
            )
        arrays = [self._cast(column.name, column.arrow_type) for column in self._spec.columns]
        self._chunk.data = pa.Table.from_arrays(arrays, schema=self._spec.schema)
        return self._chunk

    def _cast(self, name: str, arrow_type: pa.DataType) -> pa.Array:
        values = self._columns[name]
        if len(values) != len(self._keys):
            raise SpecMismatchError(
                f"{self._spec.name}.{name}: {len(values)} values for {len(self._keys)} rows"
            )
        return values if values.type == arrow_type else pc.cast(values, arrow_type)

    @cached_property
    def _record_keys(self) -> pa.Array:
        # Only truth rows need keys as text; tables without truth never pay for the cast.
        return pc.cast(self._keys, pa.string())

    def _constant(self, value: str) -> pa.Array:
        return pa.array([value] * len(self._keys), pa.string())
