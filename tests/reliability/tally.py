"""What the reliability suite did, counted by the tests themselves: faults injected, bad inputs tried,
requests served, rows checked and lost, personal values checked and leaked. ``bench.reliability``
runs the suite with ``BLOCKLAKE_RELIABILITY_TALLY=<file>`` and reports the counts."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

TALLY_FILE = "BLOCKLAKE_RELIABILITY_TALLY"


class Tally:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.measured: dict[str, float] = {}

    def add(self, name: str, count: int = 1) -> None:
        self.counts[name] += count

    def rows(self, expected: int, found: int) -> None:
        """A count the test knows to be right, and what the system holds: the difference is lost."""
        self.add("rows_checked", expected)
        self.add("rows_lost", max(0, expected - found))

    def measure(self, name: str, value: float) -> None:
        """A measurement rather than a count (a latency, a duration)."""
        self.measured[name] = value

    def write(self, outcome: dict[str, int]) -> None:
        path = os.environ.get(TALLY_FILE)
        if path:
            Path(path).write_text(json.dumps({"counts": dict(self.counts), "measured": self.measured,
                                              "tests": outcome}, indent=2) + "\n",
                                  encoding="utf-8")


TALLY = Tally()
