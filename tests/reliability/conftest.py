"""The reliability suite writes its tally (tests/reliability/tally.py) when the session ends."""

from __future__ import annotations

import pytest

from tests.reliability.tally import TALLY


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter else {}
    TALLY.write({outcome: len(stats.get(outcome, [])) for outcome in ("passed", "failed", "error")})
