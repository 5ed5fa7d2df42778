"""The reliability suite writes its tally (tests/reliability/tally.py) when the session ends."""

from __future__ import annotations

import pytest

from tests.reliability.tally import TALLY

BETA_USCC = "91350100M000100Y43"


def consumer_key(code: str = "beta", uscc: str = BETA_USCC, **fields: str) -> str:
    """A consuming department added to the catalog store (``fields``: kind, block_code, …), and its key."""
    from catalog import auth, db
    from catalog.models import Department

    with db.session() as session:
        department = Department(code=code, name=f"测试{code}局", uscc=uscc, **{"kind": "department", **fields})
        session.add(department)
        session.flush()
        return auth.issue_key(session, department)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter else {}
    TALLY.write({outcome: len(stats.get(outcome, [])) for outcome in ("passed", "failed", "error")})
