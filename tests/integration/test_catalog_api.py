"""The catalog API over a real lake: every endpoint for every role, the application workflow, the data
API's approved items and masks, keys revoked and expired, codes stable across refreshes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from blocklake import lake
from blocklake.published import published_versions
from catalog import auth, db
from catalog.api import create_app
from catalog.models import ApiKey, AuditLog, Department, Resource
from catalog.register import refresh
from catalog.workdays import add_working_days
from ingestion.runner import load_table
from quality.gate import gate_raw_table
from tests.conftest import TEST_USCC, SourceDepartment, registered_lake, sqlite_execute

VALID_ID = "11010519491231002X"


GRIDS = ("440305001001001", "440305002003004")


@pytest.fixture(scope="module")
def catalog_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A lake with three departments' published tables, registered in a fresh catalog."""
    root = tmp_path_factory.mktemp("catalog")
    source = root / "alpha.sqlite"
    sqlite_execute(source, "CREATE TABLE people (id INTEGER, name TEXT, sfzh TEXT, phone TEXT)")
    sqlite_execute(source, "INSERT INTO people VALUES (?, ?, ?, ?)",
                   [(i, f"张{i}", VALID_ID, "13800138000") for i in range(1, 21)])
    sqlite_execute(source, "CREATE TABLE places (id INTEGER, place TEXT, grid TEXT)")
    sqlite_execute(source, "INSERT INTO places VALUES (?, ?, ?)",
                   [(i, f"场所{i}", GRIDS[i % 2]) for i in range(1, 6)])
    sqlite_execute(source, "CREATE TABLE secrets (id INTEGER, note TEXT)")
    sqlite_execute(source, "INSERT INTO secrets VALUES (1, '内部')")
    tables = {
        "alpha": [{"name": "people", "title": "人口", "object": "people", "primary_key": ["id"],
                   "sensitive": {"name": "person_name", "sfzh": "resident_id", "phone": "phone"},
                   "directory": {"classification": "1.01.001", "share_type": "有条件共享",
                                 "share_conditions": "限履职使用"}},
                  {"name": "places", "title": "场所", "object": "places", "primary_key": ["id"],
                   "block_column": "grid", "directory": {"classification": "2.01.001", "share_type": "无条件共享"}},
                  {"name": "secrets", "title": "内部记录", "object": "secrets", "primary_key": ["id"],
                   "directory": {"classification": "3.01.001", "share_type": "不予共享",
                                 "legal_basis": "《中华人民共和国保守国家秘密法》第二十八条"}}],
        "beta": [{"name": "places", "title": "场所副本", "object": "places", "primary_key": ["id"],
                  "directory": {"classification": "3.02.001", "share_type": "无条件共享"}}],
        "gamma": [{"name": "places", "title": "场所副本", "object": "places", "primary_key": ["id"],
                   "directory": {"classification": "3.03.001", "share_type": "无条件共享"}}],
    }
    usccs = {"alpha": TEST_USCC, "beta": "91350100M000100Y43", "gamma": "91110000600037341L"}
    with registered_lake(root, {code: SourceDepartment(usccs[code], source, specs) for code, specs in tables.items()}):
        yield root


@pytest.fixture(scope="module")
def keys(catalog_home: Path) -> dict[str, str]:
    with db.session() as session:
        departments = {d.code: d for d in session.scalars(select(Department))}
        issued = {code: auth.issue_key(session, departments[code]) for code in ("alpha", "beta", "gamma")}
        issued["admin"] = auth.issue_key(session, departments["bureau"], role="admin")
        issued["revoked"] = auth.issue_key(session, departments["beta"])
        issued["expired"] = auth.issue_key(session, departments["beta"], valid_for=timedelta(seconds=1))
        revoked = session.scalar(select(ApiKey).where(ApiKey.prefix == issued["revoked"][:12]))
        auth.revoke(session, revoked.id)
        expired = session.scalar(select(ApiKey).where(ApiKey.prefix == issued["expired"][:12]))
        expired.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    return issued


@pytest.fixture(scope="module")
def client(catalog_home: Path) -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


def codes(client: TestClient) -> dict[str, str]:
    """Resource name@provider → code."""
    body = client.get("/api/resources", params={"limit": 500}).json()
    return {f"{item['name']}@{item['provider']}": item["code"] for item in body["items"]}


def as_(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def code_of(client: TestClient, name: str) -> str:
    return next(code for label, code in codes(client).items() if label.startswith(f"{name}@测试alpha局"))


def test_the_public_sees_the_directory_and_nothing_else(client: TestClient) -> None:
    listing = client.get("/api/resources").json()
    assert listing["total"] == 5
    assert listing["facets"]["share_type"] == {"有条件共享": 1, "无条件共享": 3, "不予共享": 1}
    people = code_of(client, "人口")
    detail = client.get(f"/api/resources/{people}").json()
    assert [item["column_name"] for item in detail["items"]] == ["id", "name", "sfzh", "phone"]
    assert detail["record_count"] == 20 and detail["published_snapshot"] and detail["versions"]
    for method, path in [("GET", "/api/stats"), ("GET", "/api/applications"), ("POST", "/api/applications"),
                         ("GET", f"/api/data/{people}"), ("GET", "/api/corrections"), ("GET", "/api/admin/audit"),
                         ("POST", "/api/admin/keys")]:
        assert client.request(method, path, json={}).status_code == 401, path


def test_search_filters_and_facets(client: TestClient) -> None:
    found = client.get("/api/resources", params={"q": "场所"}).json()
    assert found["total"] == 3
    filtered = client.get("/api/resources", params={"q": "场所", "provider": "alpha"}).json()
    assert [item["name"] for item in filtered["items"]] == ["场所"] and filtered["facets"]["provider"]["beta"] == 1
    assert client.get("/api/resources/9.99.999/000001").status_code == 404


@pytest.mark.parametrize("key", ["revoked", "expired", "blk_not-a-key"])
def test_unknown_revoked_and_expired_keys_get_401_everywhere(client: TestClient, keys: dict[str, str],
                                                             key: str) -> None:
    plain = keys.get(key, key)
    for path in ("/api/resources", "/api/stats", "/api/applications"):
        assert client.get(path, headers=as_(plain)).status_code == 401


def test_unconditional_resources_are_granted_at_once_and_served(client: TestClient, keys: dict[str, str]) -> None:
    places = code_of(client, "场所")
    assert client.get(f"/api/data/{places}", headers=as_(keys["beta"])).status_code == 403  # not applied yet
    granted = client.post("/api/applications", headers=as_(keys["beta"]),
                          json={"resource_code": places, "items": ["place"], "purpose": "网格巡查"})
    assert granted.status_code == 201 and granted.json()["status"] == "approved"
    rows = client.get(f"/api/data/{places}", headers=as_(keys["beta"]), params={"limit": 3}).json()
    assert rows["items"] == ["place"] and rows["rows"] == [{"place": "场所1"}, {"place": "场所2"}, {"place": "场所3"}]


def test_conditional_application_workflow(client: TestClient, keys: dict[str, str]) -> None:
    people = code_of(client, "人口")
    filed = client.post("/api/applications", headers=as_(keys["beta"]),
                        json={"resource_code": people, "items": ["name", "sfzh"], "purpose": "救助核查"})
    assert filed.status_code == 201
    application = filed.json()
    assert application["status"] == "pending"
    assert application["deadline"] == add_working_days(datetime.now(UTC).date(), 10).isoformat()
    number = application["id"]
    assert client.get(f"/api/data/{people}", headers=as_(keys["beta"])).status_code == 403
    # Another department neither sees nor decides it; the consumer cannot approve its own request.
    assert client.get(f"/api/applications/{number}", headers=as_(keys["gamma"])).status_code == 404
    assert client.post(f"/api/applications/{number}/approve", headers=as_(keys["gamma"]), json={}).status_code == 404
    assert client.post(f"/api/applications/{number}/approve", headers=as_(keys["beta"]), json={}).status_code == 403
    assert number in [a["id"] for a in client.get("/api/applications", headers=as_(keys["alpha"])).json()]
    approved = client.post(f"/api/applications/{number}/approve", headers=as_(keys["alpha"]), json={"reason": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = client.post(f"/api/applications/{number}/refuse", headers=as_(keys["alpha"]), json={"reason": "重复"})
    assert again.status_code == 409
    rows = client.get(f"/api/data/{people}", headers=as_(keys["beta"]), params={"limit": 2}).json()
    assert rows["items"] == ["name", "sfzh"] and rows["masked"] == ["name", "sfzh"]
    assert rows["rows"][0] == {"name": "张*", "sfzh": "110105************"}
    assert VALID_ID not in str(rows)


def test_a_refusal_needs_a_reason(client: TestClient, keys: dict[str, str]) -> None:
    people = code_of(client, "人口")
    number = client.post("/api/applications", headers=as_(keys["gamma"]),
                         json={"resource_code": people, "items": ["phone"], "purpose": "回访"}).json()["id"]
    assert client.post(f"/api/applications/{number}/refuse", headers=as_(keys["alpha"]), json={}).status_code == 400
    refused = client.post(f"/api/applications/{number}/refuse", headers=as_(keys["alpha"]),
                          json={"reason": "用途与申请项不符"})
    assert refused.json()["status"] == "refused" and refused.json()["reason"] == "用途与申请项不符"
    assert client.get(f"/api/data/{people}", headers=as_(keys["gamma"])).status_code == 403


def test_withheld_resources_cannot_be_applied_for_and_say_why(client: TestClient, keys: dict[str, str]) -> None:
    secrets = code_of(client, "内部记录")
    refused = client.post("/api/applications", headers=as_(keys["beta"]),
                          json={"resource_code": secrets, "items": ["note"], "purpose": "查看"})
    assert refused.status_code == 403 and "保守国家秘密法" in refused.json()["detail"]
    bad_item = client.post("/api/applications", headers=as_(keys["beta"]),
                           json={"resource_code": code_of(client, "人口"), "items": ["salary"], "purpose": "x"})
    assert bad_item.status_code == 400


def test_corrections_are_tracked_to_closure(client: TestClient, keys: dict[str, str]) -> None:
    places = code_of(client, "场所")
    filed = client.post("/api/corrections", headers=as_(keys["beta"]),
                        json={"resource_code": places, "description": "场所3 名称有误"}).json()
    number = filed["id"]
    assert client.post(f"/api/corrections/{number}/resolve", headers=as_(keys["gamma"]),
                       json={"accepted": True, "resolution": "x"}).status_code == 404
    assert client.post(f"/api/corrections/{number}/resolve", headers=as_(keys["beta"]),
                       json={"accepted": True, "resolution": "x"}).status_code == 403
    closed = client.post(f"/api/corrections/{number}/resolve", headers=as_(keys["alpha"]),
                         json={"accepted": True, "resolution": "已更正源表"}).json()
    assert closed["status"] == "accepted" and closed["resolved_at"]


def test_statistics_count_records_sharing_and_calls(client: TestClient, keys: dict[str, str]) -> None:
    total = client.get("/api/stats", headers=as_(keys["beta"])).json()["total"]
    # 20 people (conditional) + 3 × 5 places (unconditional) are shared; 1 withheld record is not.
    assert total["records"] == 36 and total["shared_records"] == 35
    assert total["sharing_rate"] == pytest.approx(35 / 36)
    assert total["source_units"] == 3 and total["resources"] == 5
    assert total["api_calls"] >= 2 and total["approved_applications"] >= 2


def test_statistics_per_street_count_the_rows_of_block_resources(client: TestClient, keys: dict[str, str]) -> None:
    streets = client.get("/api/stats", headers=as_(keys["beta"])).json()["by_street"]
    # alpha's places declare their grid column: ids 1, 3, 5 lie in street …002 and ids 2, 4 in …001.
    assert {code: figures["records"] for code, figures in streets.items()} == {"440305001": 2, "440305002": 3}
    assert streets["440305002"]["shared_records"] == 3 and streets["440305002"]["resources"] == 1


def test_only_the_bureau_administers(client: TestClient, keys: dict[str, str]) -> None:
    assert client.get("/api/admin/audit", headers=as_(keys["alpha"])).status_code == 403
    denied = client.post("/api/admin/keys", headers=as_(keys["alpha"]), json={"department_code": "alpha"})
    assert denied.status_code == 403
    issued = client.post("/api/admin/keys", headers=as_(keys["admin"]), json={"department_code": "gamma"}).json()
    assert client.get("/api/stats", headers=as_(issued["key"])).status_code == 200
    assert client.delete(f"/api/admin/keys/{issued['id']}", headers=as_(keys["admin"])).status_code == 204
    assert client.get("/api/stats", headers=as_(issued["key"])).status_code == 401
    actions = {entry["action"] for entry in client.get("/api/admin/audit", headers=as_(keys["admin"])).json()}
    assert {"apply", "approve", "refuse", "file_correction", "resolve_correction", "issue_key",
            "revoke_key"} <= actions


def test_resource_codes_are_stable_across_refreshes(client: TestClient, catalog_home: Path) -> None:
    before = codes(client)
    summary = refresh(manifest=catalog_home / "no-dbt-manifest.json")
    assert summary.new_codes == [] and codes(client) == before
    with db.session() as session:
        assert sorted(session.scalars(select(Resource.code))) == sorted(before.values())
    assert sorted(before.values())[0] == "1.01.001/000001"


def test_the_openapi_document_lists_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/resources", "/api/applications", "/api/data/{code}", "/api/stats", "/api/admin/keys"} <= set(paths)


def test_the_element_inventory_finds_repeated_collection(client: TestClient, keys: dict[str, str]) -> None:
    assert client.get("/api/stats/inventory").status_code == 401
    body = client.get("/api/stats/inventory", headers=as_(keys["beta"])).json()
    elements = {row["element"]: row for row in body["elements"]}
    assert elements["resident_id"]["collections"] == [
        {"department": "alpha", "resource_code": code_of(client, "人口"), "column": "sfzh"}]
    assert elements["resident_id"]["repeated"] == 1  # alpha collects it; the police are the authoritative source
    assert body["summary"] == {"elements": 5, "collections": 3, "repeated_collections": 3}


def latest_refresh(session) -> dict:
    return session.scalars(select(AuditLog).where(AuditLog.action == "refresh_directory")
                           .order_by(AuditLog.id.desc())).first().detail


def test_a_refresh_reads_the_gates_measures_and_asks_the_lake_only_about_what_was_published_since(
        client: TestClient, catalog_home: Path) -> None:
    # Runs last in this module: it publishes a new version of alpha's places.
    con = lake.connect(read_only=True)
    try:
        measured = published_versions(con)["raw.alpha__places"]
    finally:
        con.close()
    assert measured.record_count == 5
    assert [name for name, _ in measured.columns][:3] == ["id", "place", "grid"]
    refresh(manifest=catalog_home / "no-dbt-manifest.json")
    with db.session() as session:
        assert latest_refresh(session)["republished"] == 0, "nothing was published since the last refresh"
    sqlite_execute(catalog_home / "alpha.sqlite", "INSERT INTO places VALUES (6, '场所6', ?)", [(GRIDS[0],)])
    load_table("alpha", "places")
    gate_raw_table("alpha", "places")
    refresh(manifest=catalog_home / "no-dbt-manifest.json")
    with db.session() as session:
        assert latest_refresh(session)["republished"] == 1
        places = session.scalar(select(Resource).where(Resource.source_key == "raw.alpha__places"))
        assert places.record_count == 6 and len(places.versions) == 2
        assert sum(count.records for count in places.street_counts) == 6
        assert [item.column_name for item in places.items] == ["id", "place", "grid"]
        assert {item.type_code for item in places.items} == {"I", "C"}
