"""``blocklake keys issue|list|revoke`` over a real catalog store, each key tried against the API, and the
bureau's admin key file that ``blocklake run`` writes once."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from blocklake.settings import get_settings
from catalog import db, keys
from catalog.api import create_app
from catalog.models import ApiKey, AuditLog, Department
from catalog.register import BUREAU
from orchestration.cli import main


@pytest.fixture
def store(home: Path) -> Path:
    """A migrated catalog store holding the bureau and two departments, as a directory refresh leaves it."""
    db.upgrade()
    with db.session() as session:
        session.add_all([Department(**BUREAU), Department(code="police", name="公安分局", kind="department"),
                         Department(code="civil", name="民政局", kind="department"),
                         Department(code="street_440305001", name="南头街道办事处", kind="street",
                                    block_code="440305001")])
    return home


@pytest.fixture
def client(store: Path) -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


def blocklake(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def issued(output: str) -> tuple[str, int]:
    """The plain key and the id ``keys issue`` printed."""
    key = re.search(r"^key\s+: (blk_\S+)$", output, re.MULTILINE)
    key_id = re.search(r"^id\s+: (\d+)$", output, re.MULTILINE)
    assert key and key_id, output
    return key.group(1), int(key_id.group(1))


ROW = re.compile(r"^(\d+)\s+(blk_\S+)…\s+(\S+)\s+(\S+)\s+(.+?)\s{2,}(\S+ \S+ UTC)\s+(\S+ \S+ UTC|never)\s+(\S+)$")


def listed(output: str) -> dict[int, list[str]]:
    """``keys list``'s rows by id: prefix, department, role, label, created, expires, state."""
    return {int(match.group(1)): list(match.groups()[1:])
            for line in output.splitlines() if (match := ROW.match(line))}


def applications(client: TestClient, key: str) -> int:
    return client.get("/api/applications", headers={"X-API-Key": key}).status_code


def test_issue_list_use_and_revoke_a_department_key(store: Path, client: TestClient,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = blocklake(capsys, "keys", "issue", "--department", "police", "--label", "值班民警")
    assert status == 0
    key, key_id = issued(out)
    assert "shown only now" in out and "expires : never" in out
    assert applications(client, key) == 200

    status, out, _ = blocklake(capsys, "keys", "list")
    assert status == 0 and key not in out and key[12:] not in out  # the prefix only, never the key
    assert listed(out)[key_id][:4] == [key[:12], "police", "department", "值班民警"]
    assert listed(out)[key_id][-2:] == ["never", "valid"]

    status, out, _ = blocklake(capsys, "keys", "revoke", str(key_id))
    assert status == 0 and f"revoked key {key_id}" in out
    assert applications(client, key) == 401
    assert key_id not in listed(blocklake(capsys, "keys", "list")[1])
    assert listed(blocklake(capsys, "keys", "list", "--all")[1])[key_id][-1] == "revoked"
    with db.session() as session:
        actions = session.scalars(select(AuditLog.action).where(AuditLog.object_id == str(key_id),
                                                                AuditLog.actor == keys.ACTOR)).all()
    assert sorted(actions) == ["issue_key", "revoke_key"]


def test_a_key_with_valid_days_expires(store: Path, client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    before = datetime.now(UTC)
    key, key_id = issued(blocklake(capsys, "keys", "issue", "--department", "civil", "--valid-days", "3")[1])
    expires = datetime.strptime(listed(blocklake(capsys, "keys", "list")[1])[key_id][5], "%Y-%m-%d %H:%M UTC")
    assert abs(expires.replace(tzinfo=UTC) - (before + timedelta(days=3))) < timedelta(minutes=2)
    assert applications(client, key) == 200

    with db.session() as session:  # three days on
        session.get(ApiKey, key_id).expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert applications(client, key) == 401
    assert key_id not in listed(blocklake(capsys, "keys", "list")[1])
    assert listed(blocklake(capsys, "keys", "list", "--all", "--department", "civil")[1])[key_id][-1] == "expired"


def test_an_admin_key_belongs_to_the_bureau(store: Path, client: TestClient,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    police, _ = issued(blocklake(capsys, "keys", "issue", "--department", "police")[1])
    status, out, _ = blocklake(capsys, "keys", "issue", "--role", "admin", "--label", "数据局值班")
    assert status == 0 and "holder  : bureau (" in out and "role admin" in out
    admin, _ = issued(out)
    assert client.get("/api/admin/audit", headers={"X-API-Key": admin}).status_code == 200
    assert client.get("/api/admin/audit", headers={"X-API-Key": police}).status_code == 403

    status, _, err = blocklake(capsys, "keys", "issue", "--role", "admin", "--department", "police")
    assert status == 2 and "admin keys belong to the bureau (bureau)" in err
    rows = listed(blocklake(capsys, "keys", "list", "--department", "bureau")[1])
    assert [row[2] for row in rows.values()] == ["admin"]


def test_unknown_departments_and_ids_are_refused_with_the_way_out(store: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = blocklake(capsys, "keys", "issue", "--department", "polic")
    assert status == 2 and out == ""
    assert "no department 'polic'" in err and "did you mean police?" in err and "blocklake registry" in err
    assert "Departments: bureau, civil, police." in err and "e.g. street_440305001" in err
    status, _, err = blocklake(capsys, "keys", "issue", "--department", "民政")  # a name, not a code
    assert status == 2 and "did you mean civil?" in err
    status, _, err = blocklake(capsys, "keys", "issue")
    assert status == 2 and "needs --department CODE" in err
    status, _, err = blocklake(capsys, "keys", "issue", "--department", "civil", "--valid-days", "0")
    assert status == 2 and "--valid-days 0" in err
    status, _, err = blocklake(capsys, "keys", "list", "--department", "nobody")
    assert status == 2 and "no department 'nobody'" in err

    status, _, err = blocklake(capsys, "keys", "revoke", "999")
    assert status == 2 and "no key with id 999" in err and "keys list --all" in err
    _, key_id = issued(blocklake(capsys, "keys", "issue", "--department", "civil")[1])
    assert blocklake(capsys, "keys", "revoke", str(key_id))[0] == 0
    status, _, err = blocklake(capsys, "keys", "revoke", str(key_id))
    assert status == 2 and f"key {key_id} (" in err and "already revoked" in err
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ApiKey)) == 1  # nothing issued on a refusal


def test_an_empty_catalog_says_how_departments_get_there(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = blocklake(capsys, "keys", "issue", "--department", "police")
    assert status == 2 and "the catalog has no departments yet" in err and "blocklake run" in err


def test_the_admin_key_file_is_made_once_private_and_names_itself(store: Path, client: TestClient) -> None:
    settings = get_settings()
    first = keys.ensure_admin_key(settings)
    path = settings.home / "catalog" / "admin.key"
    assert first.path == path and first.state == "valid" and first.plain
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    plain = path.read_text(encoding="utf-8").strip()
    assert plain == first.plain
    assert client.get("/api/admin/audit", headers={"X-API-Key": plain}).status_code == 200
    notice = "\n".join(keys.admin_key_notice(first, "http://127.0.0.1:8765/"))
    assert str(path) in notice and "http://127.0.0.1:8765/login" in notice and plain in notice
    assert "blocklake catalog" in notice

    second = keys.ensure_admin_key(settings)
    assert second == keys.AdminKey(path, "valid") and path.read_text(encoding="utf-8").strip() == plain
    later = "\n".join(keys.admin_key_notice(second, "http://127.0.0.1:8765/"))
    assert str(path) in later and plain not in later  # shown once, when made
    with db.session() as session:
        admins = session.scalars(select(ApiKey).where(ApiKey.role == "admin")).all()
        assert [(key.label, key.department.kind) for key in admins] == [(keys.ADMIN_KEY_LABEL, "bureau")]
        keys.revoke(session, admins[0].id)

    third = keys.ensure_admin_key(settings)
    assert third.state == "revoked" and path.read_text(encoding="utf-8").strip() == plain
    told = "\n".join(keys.admin_key_notice(third, "http://127.0.0.1:8765/"))
    assert f"the key in {path} is revoked" in told and "blocklake keys issue --role admin" in told


def test_the_admin_key_file_registers_the_bureau_in_an_empty_store(home: Path) -> None:
    admin = keys.ensure_admin_key()
    with db.session() as session:
        bureau = session.scalar(select(Department).where(Department.kind == "bureau"))
        assert bureau is not None and bureau.code == BUREAU["code"]
    assert admin.state == "valid"
