"""Independent random streams, one per name.

Every table and entity pool draws from its own stream, derived from the run seed and a stable hash
of its name, so adding, removing or reordering tables never changes another table's data.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator for ``name``: a child of ``SeedSequence(seed)`` keyed by the name's CRC-32."""
    # A spawn key is how SeedSequence.spawn derives children; keying by name instead of by spawn
    # order keeps each stream stable whatever else is generated.
    child = np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode("utf-8")),))
    return np.random.Generator(np.random.PCG64(child))
