"""The shared world all tables draw from, built lazily, and the context a table generator gets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa

from synthetic.chunks import ChunkBuilder
from synthetic.companies import Companies, build_companies
from synthetic.config import CHUNK_ROWS, ScaleProfile
from synthetic.employment import Employment, plan_employment
from synthetic.people import People, build_people
from synthetic.plate import Plate, build_plate
from synthetic.schema import TableSpec
from synthetic.seeding import stream

T = TypeVar("T")


class World:
    """Entity pools (plate, people, companies) and shared plans, each from its own named stream, so
    whichever table asks first gets the same result."""

    def __init__(self, profile: ScaleProfile, seed: int):
        self.profile = profile
        self.seed = seed
        self._plans: dict[str, Any] = {}

    @cached_property
    def plate(self) -> Plate:
        return build_plate(self.profile, self.seed)

    @cached_property
    def people(self) -> People:
        return build_people(self.plate, self.seed)

    @cached_property
    def companies(self) -> Companies:
        return build_companies(self.plate, self.people, self.seed)

    @cached_property
    def employment(self) -> Employment:
        return plan_employment(self.people, self.companies, stream(self.seed, "employment"))

    def plan(self, name: str, build: Callable[[np.random.Generator], T]) -> T:
        """A department-level plan several of its tables share (e.g. tickets and their callbacks)."""
        if name not in self._plans:
            self._plans[name] = build(stream(self.seed, f"plan:{name}"))
        return self._plans[name]


@dataclass(frozen=True)
class TableContext:
    world: World
    department: str
    spec: TableSpec
    rng: np.random.Generator

    def builder(self, keys: pa.Array) -> ChunkBuilder:
        return ChunkBuilder(self.department, self.spec, keys)

    def slices(self, rows: int, rows_per_item: int = 1) -> Iterator[slice]:
        """Consecutive item ranges whose rows fit in one chunk (items may expand to several rows)."""
        step = max(1, CHUNK_ROWS // rows_per_item)
        for start in range(0, rows, step):
            yield slice(start, min(rows, start + step))
