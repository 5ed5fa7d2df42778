"""Item 9 of the reliability suite: a crash between delivering a bundle and recording it. Either the
bundle and its record (with the audit entry) both exist, or neither does — also after the next run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog import db
from catalog.models import AuditLog, Export
from exports import service
from tests.integration.test_exports import approve, export_home  # noqa: F401 - the module's lake and catalog
from tests.reliability.tally import TALLY


def bundles(root: Path, consumer: str) -> list[Path]:
    return sorted(path.parent for path in (root / consumer).glob("*/application-*/snapshot-*/manifest.json"))


def records(application_id: int) -> tuple[int, int]:
    with db.session() as session:
        exports = session.scalar(select(func.count()).select_from(Export)
                                 .where(Export.application_id == application_id))
        audits = session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "export", AuditLog.object_id == str(application_id)))
    return exports, audits


def test_a_failure_after_delivery_takes_the_bundle_back(export_home: Path,  # noqa: F811
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from blocklake.settings import get_settings

    root = get_settings().exports_path
    number = approve("beta", "places", ["id", "place"])
    monkeypatch.setenv("BLOCKLAKE_FAILPOINTS", "exports.after_publish=raise")
    [result] = [r for r in service.export_due() if r.delivery.application_id == number]
    TALLY.add("faults_injected")
    assert result.status == "failed" and "failpoint" in result.error
    assert records(number) == (0, 0) and bundles(root, "beta") == []
    monkeypatch.delenv("BLOCKLAKE_FAILPOINTS")
    [result] = [r for r in service.export_due() if r.delivery.application_id == number]
    assert result.status == "delivered" and records(number) == (1, 1) and len(bundles(root, "beta")) == 1


def test_a_process_killed_after_delivery_is_made_whole_by_the_next_run(export_home: Path) -> None:  # noqa: F811
    from blocklake.settings import get_settings

    root = get_settings().exports_path
    number = approve("gamma", "places", ["id", "area"])
    blocklake = str(Path(sys.executable).with_name("blocklake"))
    env = {**os.environ, "BLOCKLAKE_FAILPOINTS": "exports.after_publish=kill"}
    killed = subprocess.run([blocklake, "export", "--consumer", "gamma"], env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert killed.returncode == -signal.SIGKILL
    TALLY.add("faults_injected")
    assert records(number) == (0, 0) and len(bundles(root, "gamma")) == 1  # delivered, not recorded: not done
    again = subprocess.run([blocklake, "export", "--consumer", "gamma"], capture_output=True, text=True,
                           timeout=120, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert records(number) == (1, 1) and len(bundles(root, "gamma")) == 1  # replaced whole, and recorded
