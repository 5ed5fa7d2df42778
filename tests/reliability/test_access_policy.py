"""One policy wherever data leaves (security review, findings 5 and 7): a street office reads only its own
street's rows through the data API, the SQL endpoint and its bundles alike; an application's period is
enforced on every path, and a period already over is refused when filed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from blocklake.errors import ExportError
from catalog import auth, db
from catalog.api import create_app
from catalog.models import Department, Resource
from exports.service import export_application
from tests.conftest import TEST_USCC, SourceDepartment, registered_lake, sqlite_execute
from tests.reliability.tally import TALLY

OWN, OTHER = "440305001", "440305002"  # two streets of Nanshan
HOUSEHOLDS, NOTES, PERMITS = "raw.alpha__households", "raw.alpha__notes", "raw.alpha__permits"
ROWS_PER_STREET = {OWN: 37, OTHER: 45}
TABLES = [
    {"name": "households", "title": "户籍家庭", "object": "households", "primary_key": ["id"], "block_column": "grid",
     "sensitive": {"holder": "person_name"},
     "directory": {"classification": "1.01.001", "share_type": "无条件共享"}},
    {"name": "notes", "title": "走访记录", "object": "notes", "primary_key": ["id"],
     "directory": {"classification": "2.01.001", "share_type": "无条件共享"}},
    {"name": "permits", "title": "许可记录", "object": "permits", "primary_key": ["id"],
     "directory": {"classification": "3.01.001", "share_type": "有条件共享", "share_conditions": "限履职使用"}},
]


def _write_sources(source: Path) -> None:
    sqlite_execute(source, "CREATE TABLE households (id INTEGER, holder TEXT, grid TEXT)")
    rows, number = [], 0
    for street, count in ROWS_PER_STREET.items():
        for i in range(count):
            number += 1
            rows.append((number, f"王{number}", f"{street}{i % 7:03d}{i % 5:03d}"))
    sqlite_execute(source, "INSERT INTO households VALUES (?, ?, ?)", rows)
    sqlite_execute(source, "CREATE TABLE notes (id INTEGER, note TEXT)")
    sqlite_execute(source, "INSERT INTO notes VALUES (?, ?)", [(i, f"记录{i}") for i in range(1, 11)])
    sqlite_execute(source, "CREATE TABLE permits (id INTEGER, permit TEXT)")
    sqlite_execute(source, "INSERT INTO permits VALUES (?, ?)", [(i, f"许可{i}") for i in range(1, 21)])


@pytest.fixture(scope="module")
def policy_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("policy")
    _write_sources(root / "alpha.sqlite")
    departments = {"alpha": SourceDepartment(TEST_USCC, root / "alpha.sqlite", TABLES),
                   "beta": SourceDepartment("91350100M000100Y43", root / "alpha.sqlite", TABLES[1:2])}
    with registered_lake(root, departments, EXPORT_ROOT=str(root / "exports")):
        yield root


@pytest.fixture(scope="module")
def keys(policy_home: Path) -> dict[str, str]:
    with db.session() as session:
        street = Department(code=f"street_{OWN}", name="测试街道办事处", uscc="", kind="street", block_code=OWN)
        session.add(street)
        session.commit()
        departments = {d.code: d for d in session.scalars(select(Department))}
        return {"street": auth.issue_key(session, street), "beta": auth.issue_key(session, departments["beta"]),
                "alpha": auth.issue_key(session, departments["alpha"])}


@pytest.fixture(scope="module")
def client(policy_home: Path) -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


def codes() -> dict[str, str]:
    with db.session() as session:
        return {r.source_key: r.code for r in session.scalars(select(Resource))}


def apply(client: TestClient, key: str, table: str, items: list[str], **period: str) -> dict:
    answer = client.post("/api/applications", headers={"X-API-Key": key},
                         json={"resource_code": codes()[table], "items": items, "purpose": "回流核查", **period})
    TALLY.add("requests_served")
    return answer.json() | {"status_code": answer.status_code}


def data(client: TestClient, key: str, table: str) -> tuple[int, list[dict]]:
    answer = client.get(f"/api/data/{codes()[table]}", headers={"X-API-Key": key}, params={"limit": 1000})
    TALLY.add("requests_served")
    return answer.status_code, answer.json().get("rows", []) if answer.status_code == 200 else []


def sql(client: TestClient, key: str, query: str) -> tuple[int, list[list]]:
    answer = client.post("/api/sql", headers={"X-API-Key": key}, json={"query": query})
    TALLY.add("requests_served")
    return answer.status_code, answer.json().get("rows", []) if answer.status_code == 200 else []


def test_a_street_office_reads_only_its_own_street_on_every_path(client: TestClient, keys: dict[str, str],
                                                                  policy_home: Path) -> None:
    filed = apply(client, keys["street"], HOUSEHOLDS, ["holder", "grid"])
    assert filed["status"] == "approved", filed

    status, rows = data(client, keys["street"], HOUSEHOLDS)
    assert status == 200 and len(rows) == ROWS_PER_STREET[OWN]
    assert all(row["grid"].startswith(OWN) for row in rows) and all(row["holder"].endswith("*") for row in rows)

    status, answer = sql(client, keys["street"], f"SELECT count(*), count(*) FILTER (WHERE grid LIKE '{OTHER}%') "
                                                 f"FROM {HOUSEHOLDS}")
    assert status == 200 and answer == [[ROWS_PER_STREET[OWN], 0]]
    status, answer = sql(client, keys["street"], f"SELECT count(*) FROM {HOUSEHOLDS} WHERE grid LIKE '{OTHER}%' "
                                                 "OR grid IS NULL")
    assert status == 200 and answer == [[0]]

    result = export_application(filed["id"])
    assert result is not None and result.status == "delivered", result
    bundle = next(Path(result.location).rglob("*.parquet"))
    grids = pq.read_table(bundle).column("grid").to_pylist()
    assert len(grids) == ROWS_PER_STREET[OWN] and all(grid.startswith(OWN) for grid in grids)
    TALLY.rows(expected=ROWS_PER_STREET[OWN] * 2, found=len(rows) + len(grids))
    TALLY.add("pii_values_checked", len(rows))


def test_a_street_office_gets_no_rows_of_a_resource_without_a_block_column(client: TestClient,
                                                                            keys: dict[str, str]) -> None:
    filed = apply(client, keys["street"], NOTES, ["note"])
    assert filed["status"] == "approved"
    status, rows = data(client, keys["street"], NOTES)
    assert status == 403 and rows == []
    status, rows = sql(client, keys["street"], f"SELECT count(*) FROM {NOTES}")
    assert status == 403 and rows == []
    with pytest.raises(ExportError, match="has no block column"):
        export_application(filed["id"])


def test_an_approved_period_that_has_not_begun_gives_nothing_on_any_path(client: TestClient,
                                                                          keys: dict[str, str]) -> None:
    filed = apply(client, keys["beta"], PERMITS, ["permit"], period_start="2030-01-01", period_end="2030-12-31")
    decided = client.post(f"/api/applications/{filed['id']}/approve", headers={"X-API-Key": keys["alpha"]},
                          json={"reason": "同意"})
    assert decided.json()["status"] == "approved"
    assert data(client, keys["beta"], PERMITS)[0] == 403
    assert sql(client, keys["beta"], f"SELECT count(*) FROM {PERMITS}")[0] == 403
    assert export_application(filed["id"]) is None  # not due before its period begins
    TALLY.add("bad_inputs_tried")


def test_a_period_already_over_is_refused_when_filed(client: TestClient, keys: dict[str, str]) -> None:
    filed = apply(client, keys["beta"], PERMITS, ["permit"], period_start="2020-01-01", period_end="2020-12-31")
    assert filed["status_code"] == 400 and "已" in filed["detail"] and "2020-12-31" in filed["detail"]
    reversed_period = apply(client, keys["beta"], PERMITS, ["permit"], period_start="2031-01-01",
                            period_end="2030-01-01")
    assert reversed_period["status_code"] == 400
    TALLY.add("bad_inputs_tried", 2)
