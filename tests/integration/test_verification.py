"""Verification (数据核验) and plain items over a real lake and catalog: a consumer's own keys answered under
the one access policy (items, masks, row scope, period), every call recorded with a digest of each key; a
verify-only grant copies nothing; plain items only with a legal basis and an end date."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from sqlalchemy import select
from stdnum.cn import ric

from blocklake import masking
from blocklake.settings import get_settings
from catalog import auth, db, grants, verification
from catalog.api import create_app
from catalog.auth import Principal
from catalog.models import Application, AuditLog, CallLog, Department, Resource, Verification
from tests.conftest import TEST_USCC, SourceDepartment, registered_lake, sqlite_execute
from tests.reliability import test_bad_files as bad_files

OWN_STREET, OTHER_STREET = "440305001", "440305002"
PEOPLE = "raw.police__residents"
TABLES = [{"name": "residents", "title": "实有人口", "object": "residents", "primary_key": ["id"],
           "block_column": "grid", "sensitive": {"name": "person_name", "sfzh": "resident_id", "phone": "phone"},
           "directory": {"classification": "1.01.001", "share_type": "有条件共享", "share_conditions": "限履职使用"}}]


def resident_id(birth: str, sequence: int) -> str:
    body = f"440305{birth}{sequence:03d}"
    return body + ric.calc_check_digit(body + "?")  # stdnum reads the first 17 characters of an 18


# 30 residents, 15 per street; the fourth's ID ends in X (kept upper case by the source)
RESIDENTS = [(i, f"张{i}", resident_id(f"1980{1 + i % 12:02d}{1 + i % 28:02d}", i), f"1380013{i:04d}",
              f"{OWN_STREET if i <= 15 else OTHER_STREET}001001") for i in range(1, 31)]


@pytest.fixture(scope="module")
def verification_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("verification")
    source = root / "police.sqlite"
    sqlite_execute(source, "CREATE TABLE residents (id INTEGER, name TEXT, sfzh TEXT, phone TEXT, grid TEXT)")
    sqlite_execute(source, "INSERT INTO residents VALUES (?, ?, ?, ?, ?)", RESIDENTS)
    sqlite_execute(source, "CREATE TABLE notes (id INTEGER, note TEXT)")
    sqlite_execute(source, "INSERT INTO notes VALUES (1, '记录')")
    notes = [{"name": "notes", "title": "救助记录", "object": "notes", "primary_key": ["id"],
              "directory": {"classification": "2.01.001", "share_type": "无条件共享"}}]
    departments = {"police": SourceDepartment(TEST_USCC, source, TABLES),
                   "civil": SourceDepartment("91350100M000100Y43", source, notes)}
    with registered_lake(root, departments):
        with db.session() as session:
            session.add(Department(code="yuehai", name="粤海街道办事处", kind="street", block_code=OWN_STREET))
        yield root


@pytest.fixture(scope="module")
def keys(verification_home: Path) -> dict[str, str]:
    with db.session() as session:
        by_code = {d.code: d for d in session.scalars(select(Department))}
        issued = {code: auth.issue_key(session, by_code[code]) for code in ("police", "civil", "yuehai")}
        issued["admin"] = auth.issue_key(session, by_code["bureau"], role="admin")
    return issued


@pytest.fixture(scope="module")
def client(verification_home: Path) -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def code(client: TestClient) -> str:
    return next(item["code"] for item in client.get("/api/resources").json()["items"] if item["name"] == "实有人口")


def as_(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def approve(client: TestClient, keys: dict[str, str], consumer: str, body: dict, **decision: object) -> dict:
    filed = client.post("/api/applications", json=body, headers=as_(keys[consumer]))
    assert filed.status_code == 201, filed.text
    decided = client.post(f"/api/applications/{filed.json()['id']}/approve", json={"reason": "同意", **decision},
                          headers=as_(keys["police"]))
    assert decided.status_code == 200, decided.text
    return decided.json()


@pytest.fixture(scope="module")
def civil_verifies(client: TestClient, keys: dict[str, str], code: str) -> dict:
    """Civil affairs' verify-only application for the ID, the name and the grid, approved."""
    return approve(client, keys, "civil", {"resource_code": code, "items": ["sfzh", "name", "grid"],
                                           "purpose": "低保年审核对", "method": "verify",
                                           "period_end": (date.today() + timedelta(days=90)).isoformat()})


def test_verification_answers_only_the_keys_sent_masked_as_granted(client: TestClient, keys: dict[str, str],
                                                                   code: str, civil_verifies: dict) -> None:
    first, fourth, tenth = RESIDENTS[0], RESIDENTS[3], RESIDENTS[9]
    unknown = resident_id("19990101", 999)
    broken = first[2][:-1] + ("0" if first[2][-1] != "0" else "1")
    checks = [{"key": first[2], "claims": {"name": first[1]}},
              {"key": f" {fourth[2].lower()} ", "claims": {"name": fourth[1]}},
              {"key": tenth[2], "claims": {"name": "李四"}},
              {"key": unknown, "claims": {"name": "王五"}},
              {"key": broken}]
    answered = client.post("/api/verify", json={"resource_code": code, "key_item": "sfzh", "checks": checks},
                           headers=as_(keys["civil"]))
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert [a["status"] for a in body["answers"]] == ["match", "match", "mismatch", "not_found", "invalid"]
    assert body["summary"] == {"match": 2, "mismatch": 1, "not_found": 1, "invalid": 1}
    assert body["items"] == ["name", "sfzh", "grid"] and body["masked"] == ["name", "sfzh"] and body["plain"] == []
    record = body["answers"][0]["records"][0]
    assert record == {"name": "张*", "sfzh": first[2][:6] + "*" * 12, "grid": first[4]}
    assert body["answers"][2]["matches"] == {"name": False}
    assert body["answers"][3]["records"] == [] and body["answers"][3]["matches"] == {}
    assert "1380013" not in answered.text  # the phone was not granted


def test_a_verify_only_grant_copies_nothing(client: TestClient, keys: dict[str, str], code: str,
                                            civil_verifies: dict) -> None:
    assert client.get(f"/api/data/{code}", headers=as_(keys["civil"])).status_code == 403
    sql = client.post("/api/sql", json={"query": f"SELECT * FROM {PEOPLE}"}, headers=as_(keys["civil"]))
    assert sql.status_code in (400, 403) and RESIDENTS[0][2] not in sql.text
    with db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.code == code))
        assert all(application.method == "copy" for application in grants.in_force(session))
        civil = session.scalar(select(Department).where(Department.code == "civil"))
        assert grants.grant_for(session, Principal("department", civil), resource) is None


def test_verification_refuses_what_the_grant_does_not_cover(client: TestClient, keys: dict[str, str], code: str,
                                                            civil_verifies: dict) -> None:
    def ask(who: str, **body: object) -> int:
        request = {"resource_code": code, "key_item": "sfzh", "checks": [{"key": RESIDENTS[0][2]}], **body}
        return client.post("/api/verify", json=request, headers=as_(keys[who])).status_code

    assert ask("police") == 403  # the provider holds no application for its own table
    assert ask("civil", key_item="phone") == 403
    assert ask("civil", checks=[{"key": RESIDENTS[0][2], "claims": {"phone": "13800130001"}}]) == 403
    assert ask("civil", checks=[{"key": "x"}] * 1001) == 422
    # the same key twice, each with a guess of a masked item: refused, or 100 guesses a call would read it back
    guesses = [{"key": RESIDENTS[0][2], "claims": {"name": f"张{i}"}} for i in range(1, 3)]
    assert ask("civil", checks=guesses) == 400
    assert ask("civil", resource_code="9.99.999/000001") == 404
    assert client.post("/api/verify", json={"resource_code": code, "key_item": "sfzh", "checks": [{"key": "1"}]}
                       ).status_code == 401


def test_every_call_and_key_is_recorded_as_a_digest(client: TestClient, keys: dict[str, str], code: str,
                                                     civil_verifies: dict) -> None:
    asked = [RESIDENTS[1][2], resident_id("19990101", 998)]
    answered = client.post("/api/verify", json={"resource_code": code, "key_item": "sfzh",
                                                "checks": [{"key": key} for key in asked]},
                           headers=as_(keys["civil"])).json()
    secret = masking.bureau_secret(get_settings())
    with db.session() as session:
        record = session.get(Verification, answered["verification_id"])
        assert (record.keys, record.found, record.method, record.key_item) == (2, 1, "single", "sfzh")
        assert record.key_digests == [verification.key_digest(secret, key) for key in asked]
        assert all(key not in str(record.key_digests) for key in asked)
        assert record.application_ids == [civil_verifies["id"]]
        audit = session.scalar(select(AuditLog).where(AuditLog.action == "verify",
                                                      AuditLog.object_id == str(record.id)))
        assert audit.actor == "civil" and audit.detail["keys"] == 2
        assert session.scalar(select(CallLog).where(CallLog.path == "/api/verify").order_by(CallLog.id.desc())
                              ).rows == 1


def checks_file(rows: list[tuple[str, str, str]], encoding: str) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows([("案件编号", "公民身份号码", "姓名"), *rows])
    return text.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_file_of_keys_is_answered_by_a_file(client: TestClient, keys: dict[str, str], code: str,
                                              civil_verifies: dict, encoding: str) -> None:
    rows = [("A-1", RESIDENTS[4][2], RESIDENTS[4][1]), ("A-2", RESIDENTS[5][2], "错名"),
            ("A-3", resident_id("19990101", 997), "无此人")]
    answered = client.post("/api/verify/batch", data={"resource_code": code, "key_item": "sfzh"},
                           files={"file": ("低保对象.csv", checks_file(rows, encoding), "text/csv")},
                           headers=as_(keys["civil"]))
    assert answered.status_code == 200, answered.text
    table = list(csv.reader(io.StringIO(answered.content.decode("utf-8-sig"))))
    assert table[0][:5] == ["案件编号", "公民身份号码", "姓名", "核验结果", "姓名比对"]
    assert [(row[0], row[3], row[4]) for row in table[1:]] == [("A-1", "一致", "一致"), ("A-2", "信息不一致", "不一致"),
                                                               ("A-3", "未找到", "")]
    with db.session() as session:
        record = session.get(Verification, int(answered.headers["X-Verification-Id"]))
        assert (record.method, record.keys, record.found) == ("batch", 3, 2)


def test_an_excel_list_is_read_too(client: TestClient, keys: dict[str, str], code: str, civil_verifies: dict,
                                   tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("名单")
        for number, row in enumerate([("姓名", "sfzh"), (RESIDENTS[6][1], RESIDENTS[6][2])]):
            sheet.write_row(number, 0, row)
    answered = client.post("/api/verify/batch", data={"resource_code": code, "key_item": "sfzh"},
                           files={"file": ("list.xlsx", path.read_bytes(), "application/octet-stream")},
                           headers=as_(keys["civil"]))
    assert answered.status_code == 200, answered.text
    assert list(csv.reader(io.StringIO(answered.content.decode("utf-8-sig"))))[1][2:4] == ["一致", "一致"]


def test_a_crafted_workbook_is_refused_before_it_is_opened(client: TestClient, keys: dict[str, str], code: str,
                                                            civil_verifies: dict, tmp_path: Path) -> None:
    """A list that unzips to 512 MiB of cells would abort the worker inside calamine: refused first."""
    bomb = tmp_path / "list.xlsx"
    bad_files.write_raw_workbook(bomb, [bad_files.SHEET_OPEN, bad_files.sheet_row(1, ["sfzh", "name"]),
                                        *(b"<row><c><v>1</v></c></row>" * 40_000 for _ in range(512)),
                                        bad_files.SHEET_CLOSE])
    answered = client.post("/api/verify/batch", data={"resource_code": code, "key_item": "sfzh"},
                           files={"file": ("list.xlsx", bomb.read_bytes(), "application/octet-stream")},
                           headers=as_(keys["civil"]))
    assert answered.status_code == 400 and "unzips to more than" in answered.json()["detail"]
    assert client.get("/api/resources").status_code == 200  # the worker is still there


def test_a_street_office_finds_only_its_own_block(client: TestClient, keys: dict[str, str], code: str) -> None:
    approve(client, keys, "yuehai", {"resource_code": code, "items": ["sfzh", "grid"], "purpose": "走访核对",
                                     "method": "verify"})
    own, other = RESIDENTS[0], RESIDENTS[20]
    answered = client.post("/api/verify", json={"resource_code": code, "key_item": "sfzh",
                                                "checks": [{"key": own[2]}, {"key": other[2]}]},
                           headers=as_(keys["yuehai"])).json()
    assert [a["status"] for a in answered["answers"]] == ["match", "not_found"]


def test_plain_items_need_a_legal_basis_and_an_end_and_end_with_it(client: TestClient, keys: dict[str, str],
                                                                    code: str) -> None:
    def file(**extra: object) -> int:
        body = {"resource_code": code, "items": ["sfzh", "name"], "purpose": "工伤认定核对身份", **extra}
        return client.post("/api/applications", json=body, headers=as_(keys["civil"])).json()["id"]

    def decide(number: int, **decision: object):
        return client.post(f"/api/applications/{number}/approve", json={"reason": "同意", **decision},
                           headers=as_(keys["police"]))

    basis = "《个人信息保护法》第十三条第一款第三项、第三十四条：履行法定职责所必需"
    assert decide(file(), plain_items=["sfzh"], legal_basis=basis).status_code == 400  # no end date
    ending = (date.today() + timedelta(days=30)).isoformat()
    assert decide(file(period_end=ending), plain_items=["sfzh"], legal_basis=" ").status_code == 400
    assert decide(file(period_end=ending), plain_items=["grid"], legal_basis=basis).status_code == 400
    number = file(period_end=ending)
    granted = decide(number, plain_items=["sfzh"], legal_basis=basis)
    assert granted.status_code == 200 and granted.json()["plain_items"] == ["sfzh"]
    rows = client.get(f"/api/data/{code}", headers=as_(keys["civil"])).json()
    assert {row["sfzh"] for row in rows["rows"]} == {r[2] for r in RESIDENTS} and rows["masked"] == ["name"]
    with db.session() as session:
        audit = session.scalar(select(AuditLog).where(AuditLog.action == "approve", AuditLog.object_id == str(number)))
        assert audit.detail["plain_items"] == ["sfzh"] and audit.detail["legal_basis"] == basis
        civil = Principal("department", session.scalar(select(Department).where(Department.code == "civil")))
        after = date.today() + timedelta(days=31)
        later = grants.readable(session, civil, today=after, use="verify").get(PEOPLE)
        assert later is None or "sfzh" in later.masks  # the plain grant ended with its period
        application = session.get(Application, number)
        application.period_end = date.today() - timedelta(days=1)
    assert client.get(f"/api/data/{code}", headers=as_(keys["civil"])).status_code == 403
    with db.session() as session:  # put it back for the tests after this one
        session.get(Application, number).period_end = date.fromisoformat(ending)
    assert datetime.now(UTC).date() <= date.fromisoformat(ending)
