"""Failpoints: named places in the write path where a test can make this process fail on purpose.

``BLOCKLAKE_FAILPOINTS="lake_writer.before_commit=kill"`` makes :func:`hit` SIGKILL the process when
the writer reaches that point; ``=raise`` raises :class:`InjectedFault` instead. Reliability tests use
them to kill a real ingestion at the one instant that matters (data files written, nothing committed),
which timing from the outside cannot hit reliably. Unset, :func:`hit` costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

from blocklake.errors import BlocklakeError

ENVIRONMENT = "BLOCKLAKE_FAILPOINTS"


class InjectedFault(BlocklakeError):
    """Raised at a failpoint set to ``raise``."""


def hit(name: str) -> None:
    action = _armed().get(name)
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "raise":
        raise InjectedFault(f"failpoint {name} hit (set by {ENVIRONMENT})")


def _armed() -> dict[str, str]:
    spec = os.environ.get(ENVIRONMENT, "")
    return dict(part.split("=", 1) for part in spec.split(",") if "=" in part)
