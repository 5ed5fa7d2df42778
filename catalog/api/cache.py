"""A short-lived response cache for the directory and the statistics.

Both change only when the pipeline refreshes the directory (another process) or an application is
decided here, yet they are the most requested pages. Answers are kept for ``TTL_S`` seconds and
dropped at once when this process changes the store. Authentication is never cached: a revoked key
stops working on its next request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from fastapi import Response
from pydantic import BaseModel

TTL_S = 5.0
MAX_ENTRIES = 2048
Value = TypeVar("Value")
_entries: dict[Hashable, tuple[float, object]] = {}
_lock = threading.Lock()


def cached(key: Hashable, compute: Callable[[], Value]) -> Value:
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
    if hit is not None and now - hit[0] < TTL_S:
        return hit[1]  # type: ignore[return-value]
    value = compute()
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key] = (now, value)
    return value


class JSONBytes(Response):
    """A response whose body is already-serialised JSON (the cached bytes)."""

    media_type = "application/json"


def cached_json(key: Hashable, compute: Callable[[], BaseModel]) -> JSONBytes:
    """Like :func:`cached`, keeping the serialised body: a hit costs neither validation nor encoding."""
    return JSONBytes(cached(key, lambda: compute().model_dump_json().encode()))


def clear() -> None:
    with _lock:
        _entries.clear()
