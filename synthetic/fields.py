"""Small vectorised builders for field values shared by the department generators."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.dates import EXTRACTION


def serials(prefix: str, start: int, stop: int, width: int) -> pa.Array:
    """``prefix`` + zero-padded sequence numbers ``start`` … ``stop - 1``."""
    numbers = pc.utf8_lpad(pc.cast(pa.array(np.arange(start, stop)), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, numbers, "")


def pick(
    rng: np.random.Generator, words: tuple[str, ...], n: int, weights: tuple[float, ...] | None = None
) -> pa.Array:
    p = None if weights is None else np.asarray(weights, float) / sum(weights)
    return words_at(words, rng.choice(len(words), size=n, p=p))


def words_at(words: tuple[str, ...], index: np.ndarray) -> pa.Array:
    return pa.array(words, pa.string()).take(pa.array(index))


def recent_times(rng: np.random.Generator, n: int, days: int = 730) -> np.ndarray:
    """Times within the last ``days`` days before the reference date (``datetime64[s]``)."""
    return EXTRACTION - rng.integers(0, days * 86400, n).astype("timedelta64[s]")


def touched_since(rng: np.random.Generator, created: np.ndarray) -> np.ndarray:
    """An update time between ``created`` (a date or time) and the reference date: records are not
    updated before they exist."""
    start = created.astype("datetime64[s]")
    span = np.maximum((EXTRACTION - start).astype(np.int64), 0)
    return start + (rng.random(len(start)) * span).astype("timedelta64[s]")


def text_of(values: np.ndarray | pa.Array, suffix: str = "") -> pa.Array:
    """Numbers as text, e.g. door numbers as '1088号'."""
    text = pc.cast(values if isinstance(values, pa.Array) else pa.array(values), pa.string())
    return pc.binary_join_element_wise(text, suffix, "") if suffix else text


def decimals(values: np.ndarray, scale: int = 2) -> pa.Array:
    """Floats rounded to ``scale`` places (NaN as null), ready to cast to a decimal column."""
    return pa.array(np.round(values, scale), pa.float64(), mask=np.isnan(values))


def nullable_text(values: pa.Array, missing: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), values)
