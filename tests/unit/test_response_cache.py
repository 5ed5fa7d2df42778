"""The catalog's response cache: one computation per key however many ask, stale answers served while
one refresh runs, and nothing computed before a change stored after it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from catalog.api import cache


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def counting(body: bytes, delay: float = 0.0) -> tuple[list[int], cache.Compute]:
    calls: list[int] = []

    def compute() -> bytes:
        calls.append(1)
        time.sleep(delay)
        return body

    return calls, compute


def test_concurrent_misses_of_one_key_compute_it_once() -> None:
    calls, compute = counting(b"answer", delay=0.2)
    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(cache.cached_bytes("k", compute))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [b"answer"] * 8 and len(calls) == 1


def test_a_stale_answer_is_served_while_one_refresh_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "TTL_S", 0.05)
    versions = iter([b"old", b"new"])
    refreshing = threading.Event()

    def compute() -> bytes:
        body = next(versions)
        if body == b"new":
            refreshing.set()
            time.sleep(0.3)
        return body

    cache.cached_bytes("k", compute)
    time.sleep(0.1)
    began = time.monotonic()
    assert [cache.cached_bytes("k", compute) for _ in range(5)] == [b"old"] * 5  # none waits for the refresh
    assert time.monotonic() - began < 0.2 and refreshing.wait(1)
    deadline = time.monotonic() + 2
    while cache.lookup("k") != b"new" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert cache.lookup("k") == b"new"  # and the refresh ran once: a third call would have raised StopIteration


def test_too_old_answers_are_not_served(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "TTL_S", 0.01)
    monkeypatch.setattr(cache, "STALE_S", 0.05)
    cache.cached_bytes("k", lambda: b"old")
    time.sleep(0.1)
    assert cache.lookup("k") is None
    assert cache.cached_bytes("k", lambda: b"new") == b"new"


def test_an_answer_computed_before_a_change_is_not_kept_after_it() -> None:
    def compute_across_a_change() -> bytes:
        cache.clear()  # another request decides an application meanwhile
        return b"before the change"

    assert cache.cached_bytes("k", compute_across_a_change) == b"before the change"
    assert cache.lookup("k") is None
