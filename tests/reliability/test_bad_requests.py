"""Bad input is a 4xx with a clear message, never a 500 (security review, finding 9), and a write is
committed before its answer leaves (finding 8): lone surrogates and out-of-range numbers in JSON on every
write endpoint, SQL nested past any parser's depth, page numbers past any offset, and a key revoked or
issued then used at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from catalog import auth, db
from catalog.api import create_app
from catalog.models import Department, Resource
from tests.conftest import TEST_USCC, SourceDepartment, registered_lake, sqlite_execute
from tests.reliability.tally import TALLY

PLACES = "raw.alpha__places"
TABLES = [{"name": "places", "title": "场所", "object": "places", "primary_key": ["id"],
           "directory": {"classification": "2.01.001", "share_type": "有条件共享", "share_conditions": "限履职使用"}}]
SURROGATE = "\ud800"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("badrequests")
    sqlite_execute(root / "alpha.sqlite", "CREATE TABLE places (id INTEGER, place TEXT)")
    sqlite_execute(root / "alpha.sqlite", "INSERT INTO places VALUES (?, ?)", [(i, f"场所{i}") for i in range(1, 21)])
    departments = {"alpha": SourceDepartment(TEST_USCC, root / "alpha.sqlite", TABLES),
                   "beta": SourceDepartment("91350100M000100Y43", root / "alpha.sqlite", [])}
    with registered_lake(root, {"alpha": departments["alpha"]}):
        yield root


@pytest.fixture(scope="module")
def keys(home: Path) -> dict[str, str]:
    with db.session() as session:
        beta = Department(code="beta", name="测试beta局", uscc="91350100M000100Y43", kind="department")
        session.add(beta)
        session.flush()
        departments = {d.code: d for d in session.scalars(select(Department))}
        return {"alpha": auth.issue_key(session, departments["alpha"]), "beta": auth.issue_key(session, beta),
                "admin": auth.issue_key(session, departments["bureau"], role="admin")}


@pytest.fixture(scope="module")
def client(home: Path) -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def code() -> str:
    with db.session() as session:
        return session.scalar(select(Resource.code).where(Resource.source_key == PLACES))


def post_raw(client: TestClient, path: str, key: str, body: str) -> int:
    """POST a JSON text as sent (json.dumps would escape what we want to send raw)."""
    answer = client.post(path, headers={"X-API-Key": key, "Content-Type": "application/json"}, content=body)
    TALLY.add("bad_inputs_tried")
    TALLY.add("requests_served")
    return answer.status_code


def json_with(value: str, **fields: object) -> str:
    """A JSON object of ``fields`` whose ``"?"`` placeholders become ``value`` written as raw JSON."""
    return json.dumps(fields, ensure_ascii=True).replace('"?"', value)


WRITES = [  # (path, who, fields; "?" marks where the bad value goes)
    ("/api/applications", "beta", {"resource_code": "<code>", "items": ["place"], "purpose": "?"}),
    ("/api/applications", "beta", {"resource_code": "?", "items": ["place"], "purpose": "核查"}),
    ("/api/applications", "beta", {"resource_code": "<code>", "items": ["?"], "purpose": "核查"}),
    ("/api/applications", "beta", {"resource_code": "<code>", "items": ["place"], "purpose": "核查",
                                   "period_start": "?"}),
    ("/api/corrections", "beta", {"resource_code": "<code>", "description": "?"}),
    ("/api/sql", "admin", {"query": "?"}),
    ("/api/sql", "admin", {"query": f"SELECT * FROM {PLACES}", "limit": "?"}),
    ("/api/admin/keys", "admin", {"department_code": "?"}),
    ("/api/admin/keys", "admin", {"department_code": "beta", "label": "?"}),
    ("/api/admin/keys", "admin", {"department_code": "beta", "valid_days": "?"}),
]
BAD_VALUES = [json.dumps(SURROGATE, ensure_ascii=True), '"a\\ud800b"', '"\\udfff"', "1e999999", "-1e999999",
              "1e-999999", "123456789012345678901234567890", "NaN", "Infinity"]


@pytest.mark.parametrize("value", BAD_VALUES)
def test_bad_values_on_every_write_endpoint_are_4xx(client: TestClient, keys: dict[str, str], value: str) -> None:
    answers = {}
    for path, who, fields in WRITES:
        body = json_with(value, **{k: (code() if v == "<code>" else v) for k, v in fields.items()})
        answers[(path, body)] = post_raw(client, path, keys[who], body)
    assert {where: status for where, status in answers.items() if status >= 500} == {}


@pytest.mark.parametrize("query", [
    "SELECT " + "(" * 500 + "1" + ")" * 500,
    "SELECT " + "upper(" * 2000 + "'x'" + ")" * 2000,
    "SELECT " + "NOT " * 20000 + "true",
    "SELECT " + " + ".join(["1"] * 20000),
])
def test_sql_nested_past_the_parsers_depth_is_refused(client: TestClient, keys: dict[str, str], query: str) -> None:
    answer = client.post("/api/sql", headers={"X-API-Key": keys["admin"]}, json={"query": query})
    TALLY.add("bad_inputs_tried")
    assert answer.status_code == 400, answer.text[:300]


@pytest.mark.parametrize("page", ["1000000000000000000", "99999999999999999999999", "-5", "1e9", "nan"])
def test_page_numbers_past_any_offset_are_not_errors(client: TestClient, page: str) -> None:
    answer = client.get("/", params={"page": page})
    TALLY.add("bad_inputs_tried")
    assert answer.status_code in (200, 400, 404, 422), answer.status_code


def test_a_revoked_key_is_refused_by_the_very_next_request(client: TestClient, keys: dict[str, str]) -> None:
    admin = {"X-API-Key": keys["admin"]}
    for _ in range(8):
        issued = client.post("/api/admin/keys", headers=admin, json={"department_code": "beta"}).json()
        assert client.get("/api/applications", headers={"X-API-Key": issued["key"]}).status_code == 200
        assert client.delete(f"/api/admin/keys/{issued['id']}", headers=admin).status_code == 204
        assert client.get("/api/applications", headers={"X-API-Key": issued["key"]}).status_code == 401
        TALLY.add("requests_served", 4)


def test_a_write_whose_commit_fails_is_not_reported_as_done(client: TestClient, keys: dict[str, str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    admin = {"X-API-Key": keys["admin"]}
    issued = client.post("/api/admin/keys", headers=admin, json={"department_code": "beta"}).json()

    def fail(self: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(Session, "commit", fail)
    answer = client.delete(f"/api/admin/keys/{issued['id']}", headers=admin)
    monkeypatch.undo()
    TALLY.add("faults_injected")
    assert answer.status_code == 500  # not the 204 of a revocation that did not happen
    assert client.get("/api/applications", headers={"X-API-Key": issued["key"]}).status_code == 200
