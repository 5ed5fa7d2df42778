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


def clear() -> None:
    with _lock:
        _entries.clear()
