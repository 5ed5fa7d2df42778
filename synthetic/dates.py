"""Vectorised date handling: numpy ``datetime64`` in, department-specific text out."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.config import EXTRACTED_AT

EXTRACTION = np.datetime64(EXTRACTED_AT, "s")
_TOKEN = re.compile(r"\{(YYYY|MM|M|DD|D|hh|mm|ss)\}")


def day(value: dt.date) -> np.datetime64:
    return np.datetime64(value, "D")


def format_days(days: np.ndarray, template: str) -> pa.Array:
    """Render ``datetime64[D]`` (or ``[s]``) values with a template such as ``"{YYYY}年{M}月{D}日"``.

    Tokens: ``{YYYY}``, ``{MM}``/``{M}`` (month, padded or not), ``{DD}``/``{D}``, ``{hh}``, ``{mm}``,
    ``{ss}``. NaT renders as null.
    """
    seconds = days.astype("datetime64[s]")
    parts = _components(seconds)
    pieces: list[pa.Array | str] = []
    position = 0
    for match in _TOKEN.finditer(template):
        pieces.append(template[position : match.start()])
        pieces.append(parts[match.group(1)])
        position = match.end()
    pieces.append(template[position:])
    joined = pc.binary_join_element_wise(*[_as_array(p, len(days)) for p in pieces if not _empty(p)], "")
    return pc.if_else(pa.array(np.isnat(seconds)), pa.scalar(None, pa.string()), joined)


def _components(seconds: np.ndarray) -> dict[str, pa.Array]:
    safe = np.where(np.isnat(seconds), np.datetime64("2000-01-01T00:00:00"), seconds)
    years = safe.astype("datetime64[Y]")
    months = safe.astype("datetime64[M]")
    days = safe.astype("datetime64[D]")
    second_of_day = (safe - days).astype(np.int64)
    raw = {
        "YYYY": years.astype(np.int64) + 1970,
        "M": (months - years).astype(np.int64) + 1,
        "D": (days - months).astype(np.int64) + 1,
        "hh": second_of_day // 3600,
        "mm": second_of_day // 60 % 60,
        "ss": second_of_day % 60,
    }
    text = {name: pc.cast(pa.array(values), pa.string()) for name, values in raw.items()}
    padded = {name: pc.utf8_lpad(text[name], width=2, padding="0") for name in ("M", "D", "hh", "mm", "ss")}
    return {**text, "MM": padded["M"], "DD": padded["D"], **{k: padded[k] for k in ("hh", "mm", "ss")}}


def _as_array(piece: pa.Array | str, length: int) -> pa.Array:
    return pa.array([piece] * length, pa.string()) if isinstance(piece, str) else piece


def _empty(piece: pa.Array | str) -> bool:
    return isinstance(piece, str) and piece == ""


def random_days(rng: np.random.Generator, start: dt.date, end: dt.date, size: int) -> np.ndarray:
    """Uniform dates in ``[start, end]``."""
    span = (end - start).days + 1
    return day(start) + rng.integers(0, span, size=size).astype("timedelta64[D]")


def random_times(
    rng: np.random.Generator, days: np.ndarray, first_hour: int = 8, last_hour: int = 20
) -> np.ndarray:
    """A time of day within office-ish hours on each given day, as ``datetime64[s]``."""
    offset = rng.integers(first_hour * 3600, last_hour * 3600, size=len(days))
    return days.astype("datetime64[s]") + offset.astype("timedelta64[s]")


def timestamps(values: np.ndarray) -> pa.Array:
    """``datetime64`` values (NaT as null) as an Arrow ``timestamp[s]`` array."""
    seconds = values.astype("datetime64[s]")
    return pa.array(seconds, pa.timestamp("s"), mask=np.isnat(seconds))


def dates(values: np.ndarray) -> pa.Array:
    """``datetime64`` values (NaT as null) as an Arrow ``date32`` array."""
    days = values.astype("datetime64[D]")
    return pa.array(days, pa.date32(), mask=np.isnat(days))
