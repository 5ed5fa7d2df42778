"""POST /api/sql over a real lake and catalog: who may call it, what a department sees after an approved
application (only the approved items, personal ones masked), refusals that execute nothing, the locked
DuckDB session underneath (even without the guard), row and time limits, and the call log."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from minio import Minio
from sqlalchemy import select

from blocklake import lake, published
from blocklake.settings import get_settings
from catalog import auth, db, readonly
from catalog.api import create_app
from catalog.models import CallLog, Department, Resource
from quality import store
from tests.conftest import TEST_USCC, S3Server, SourceDepartment, registered_lake, sqlite_execute

VALID_ID = "11010519491231002X"
PEOPLE, PLACES, SECRETS = "raw.alpha__people", "raw.alpha__places", "raw.alpha__secrets"
MAX_ROWS = 40  # BLOCKLAKE_SQL_MAX_ROWS for this module


def _write_sources(source: Path) -> None:
    sqlite_execute(source, "CREATE TABLE people (id INTEGER, name TEXT, sfzh TEXT, phone TEXT)")
    sqlite_execute(source, "INSERT INTO people VALUES (?, ?, ?, ?)",
                   [(i, f"张{i}", VALID_ID, "13800138000") for i in range(1, 61)])
    sqlite_execute(source, "CREATE TABLE places (id INTEGER, place TEXT, grid TEXT)")
    sqlite_execute(source, "INSERT INTO places VALUES (?, ?, ?)",
                   [(i, f"场所{i}", "440305001001001") for i in range(1, 51)])
    sqlite_execute(source, "CREATE TABLE secrets (id INTEGER, note TEXT)")
    sqlite_execute(source, "INSERT INTO secrets VALUES (1, '内部')")


TABLES = {
    "alpha": [{"name": "people", "title": "人口", "object": "people", "primary_key": ["id"],
               "sensitive": {"name": "person_name", "sfzh": "resident_id", "phone": "phone"},
               "directory": {"classification": "1.01.001", "share_type": "有条件共享",
                             "share_conditions": "限履职使用"}},
              {"name": "places", "title": "场所", "object": "places", "primary_key": ["id"],
               "directory": {"classification": "2.01.001", "share_type": "无条件共享"}},
              {"name": "secrets", "title": "内部记录", "object": "secrets", "primary_key": ["id"],
               "directory": {"classification": "3.01.001", "share_type": "不予共享",
                             "legal_basis": "《中华人民共和国保守国家秘密法》第二十八条"}}],
    "beta": [{"name": "places", "title": "场所副本", "object": "places", "primary_key": ["id"],
              "directory": {"classification": "3.02.001", "share_type": "无条件共享"}}],
    "gamma": [{"name": "places", "title": "场所副本", "object": "places", "primary_key": ["id"],
               "directory": {"classification": "3.03.001", "share_type": "无条件共享"}}],
}
USCCS = {"alpha": TEST_USCC, "beta": "91350100M000100Y43", "gamma": "91110000600037341L"}


@pytest.fixture(scope="module")
def sql_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Three departments' tables loaded, gated and registered in a fresh catalog."""
    root = tmp_path_factory.mktemp("sqlapi")
    _write_sources(root / "alpha.sqlite")
    departments = {code: SourceDepartment(USCCS[code], root / "alpha.sqlite", specs) for code, specs in TABLES.items()}
    with registered_lake(root, departments, SQL_MAX_ROWS=str(MAX_ROWS), SQL_TIMEOUT_S="5"):
        yield root


@pytest.fixture(scope="module")
def keys(sql_home: Path) -> dict[str, str]:
    with db.session() as session:
        departments = {d.code: d for d in session.scalars(select(Department))}
        issued = {code: auth.issue_key(session, departments[code]) for code in ("alpha", "beta", "gamma")}
        issued["admin"] = auth.issue_key(session, departments["bureau"], role="admin")
    return issued


@pytest.fixture(scope="module")
def client(sql_home: Path) -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def granted(client: TestClient, keys: dict[str, str]) -> dict[str, str]:
    """beta holds approved applications for places (place) and people (name, sfzh); not phone, not id."""
    codes = _codes()
    answer = client.post("/api/applications", headers=as_(keys["beta"]),
                         json={"resource_code": codes[PLACES], "items": ["place"], "purpose": "网格巡查"})
    assert answer.json()["status"] == "approved"
    filed = client.post("/api/applications", headers=as_(keys["beta"]),
                        json={"resource_code": codes[PEOPLE], "items": ["name", "sfzh"], "purpose": "救助核查"})
    number = filed.json()["id"]
    approved = client.post(f"/api/applications/{number}/approve", headers=as_(keys["alpha"]), json={"reason": "同意"})
    assert approved.json()["status"] == "approved"
    return codes


def as_(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def _codes() -> dict[str, str]:
    with db.session() as session:
        return {r.source_key: r.code for r in session.scalars(select(Resource))}


def _published() -> dict[str, int]:
    with db.session() as session:
        return {r.source_key: r.published_snapshot for r in session.scalars(select(Resource))}


def _calls(status: int) -> int:
    with db.session() as session:
        return len(session.scalars(select(CallLog).where(CallLog.path == "/api/sql", CallLog.status == status)).all())


def sql(client: TestClient, key: str | None, query: str, **extra: object):
    return client.post("/api/sql", headers=as_(key) if key else {}, json={"query": query, **extra})


def test_the_public_needs_a_key(client: TestClient) -> None:
    assert sql(client, None, f"SELECT * FROM {PLACES}").status_code == 401
    assert sql(client, "blk_not-a-key", f"SELECT * FROM {PLACES}").status_code == 401


def test_a_department_without_an_approved_application_gets_403(client: TestClient, keys: dict[str, str]) -> None:
    before = _calls(403)
    answer = sql(client, keys["gamma"], f"SELECT * FROM {PLACES}")
    assert answer.status_code == 403 and "no approved application" in answer.json()["detail"]
    assert _calls(403) == before + 1


def test_a_department_reads_only_its_approved_items_masked(client: TestClient, keys: dict[str, str],
                                                           granted: dict[str, str]) -> None:
    before = _calls(200)
    answer = sql(client, keys["beta"], f"SELECT * FROM {PEOPLE} ORDER BY name LIMIT 3")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["columns"] == ["name", "sfzh"] and body["masked"] == {PEOPLE: ["name", "sfzh"]}
    assert body["rows"][0] == ["张*", "110105************"]
    assert body["snapshots"] == {PEOPLE: _published()[PEOPLE]} and body["truncated"] is False
    assert VALID_ID not in answer.text and not re.search(r"\d{17}[\dX]", answer.text)
    joined = sql(client, keys["beta"], "SELECT count(*) AS n, min(p.place) AS first FROM alpha__places p "
                                       f"CROSS JOIN {PEOPLE} r WHERE r.sfzh LIKE '110105%'").json()
    assert joined["rows"] == [[50 * 60, "场所1"]] and set(joined["snapshots"]) == {PLACES, PEOPLE}
    assert _calls(200) == before + 1 + 2  # one row per resource read


def test_the_bureau_reads_everything_shared_still_masked(client: TestClient, keys: dict[str, str]) -> None:
    body = sql(client, keys["admin"], f"SELECT id, phone FROM {PEOPLE} ORDER BY id LIMIT 1").json()
    assert body["rows"] == [[1, "138****8000"]] and body["masked"] == {PEOPLE: ["name", "phone", "sfzh"]}
    assert sql(client, keys["admin"], f"SELECT * FROM {SECRETS}").status_code == 400  # 不予共享


@pytest.mark.parametrize("query", [
    f"SELECT phone FROM {PEOPLE}",  # a column not approved
    f"SELECT id FROM {PEOPLE}",
    f"SELECT * FROM {SECRETS}",  # a table not granted
    "SELECT * FROM raw.beta__places",
    "SELECT * FROM lake.raw.alpha__places",  # three-part name
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT getenv('HOME')",
    "SELECT * FROM duckdb_settings()",
    f"DELETE FROM {PLACES}",
    "SET threads = 1",
    "PRAGMA version",
    f"SELECT 1; DROP TABLE {PLACES}",
    "WITH alpha__places AS (SELECT * FROM raw.alpha__secrets) SELECT * FROM alpha__places",
])
def test_refusals_are_400_with_the_reason(client: TestClient, keys: dict[str, str], granted: dict[str, str],
                                          query: str) -> None:
    before = _calls(400)
    answer = sql(client, keys["beta"], query)
    assert answer.status_code == 400 and answer.json()["detail"].startswith("refused:"), answer.text
    assert _calls(400) == before + 1


def test_a_refused_statement_executes_nothing(client: TestClient, keys: dict[str, str], granted: dict[str, str],
                                              tmp_path: Path) -> None:
    for query in (f"COPY (SELECT * FROM {PLACES}) TO '{tmp_path / 'out.csv'}'", f"ATTACH '{tmp_path / 'x.db'}'",
                  f"SELECT 1; COPY {PLACES} TO '{tmp_path / 'again.csv'}'"):
        assert sql(client, keys["beta"], query).status_code == 400
    assert list(tmp_path.iterdir()) == []


def test_the_row_limit_truncates(client: TestClient, keys: dict[str, str], granted: dict[str, str]) -> None:
    body = sql(client, keys["beta"], f"SELECT place FROM {PLACES} ORDER BY length(place), place", limit=3).json()
    assert body["rows"] == [["场所1"], ["场所2"], ["场所3"]] and body["truncated"] is True
    capped = sql(client, keys["beta"], f"SELECT place FROM {PLACES}", limit=10_000).json()
    assert len(capped["rows"]) == MAX_ROWS and capped["truncated"] is True  # BLOCKLAKE_SQL_MAX_ROWS
    everything = sql(client, keys["beta"], f"SELECT count(*) AS n FROM {PLACES}").json()
    assert everything["rows"] == [[50]] and everything["truncated"] is False
    assert sql(client, keys["beta"], f"SELECT * FROM {PLACES}", limit=10_001).status_code == 422


def test_the_answer_names_what_ran(client: TestClient, keys: dict[str, str], granted: dict[str, str]) -> None:
    body = sql(client, keys["beta"], "select PLACE from Alpha__Places where place = '场所1' -- a comment").json()
    assert body["sql"] == ('SELECT "alpha__places"."place" AS "place" FROM "raw"."alpha__places" AS "alpha__places" '
                           "WHERE \"alpha__places\".\"place\" = '场所1'")
    assert body["rows"] == [["场所1"]] and body["columns"] == ["place"] and body["elapsed_s"] >= 0


# The locked session itself, without the guard in front.

LOCKED_OUT = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "COPY (SELECT 1) TO '{tmp}/out.csv'",
    "ATTACH '{tmp}/other.db' AS other",
    "INSTALL json",
    "LOAD excel",
    "SET enable_external_access = true",
    "SET threads = 1",
    "RESET lock_configuration",
    "PRAGMA threads = 1",
    "SELECT getenv('HOME')",
    "EXPORT DATABASE '{tmp}/dump'",
]


@pytest.fixture
def locked(sql_home: Path) -> Iterator[readonly.AnalystSession]:
    access = {PLACES: readonly.TableAccess(("place",)), PEOPLE: readonly.TableAccess(("name", "sfzh"),
                                                                                      {"sfzh": "resident_id"})}
    with readonly.session(get_settings(), access) as analyst:
        yield analyst


@pytest.mark.parametrize("statement", LOCKED_OUT)
def test_the_locked_session_refuses_files_settings_and_extensions(locked: readonly.AnalystSession, tmp_path: Path,
                                                                  statement: str) -> None:
    # Permission: files; locked: settings; does not exist: `FROM 'file'` and getenv are gone without file access.
    with pytest.raises(readonly.QueryError, match=r"Permission Error|configuration has been locked|does not exist"):
        locked.run(statement.format(tmp=tmp_path), limit=10)
    assert list(tmp_path.iterdir()) == []
    assert locked.run(f"SELECT count(*) FROM {PLACES}", limit=1).rows == [(50,)]  # the views still work


def test_the_locked_session_shows_only_its_views(locked: readonly.AnalystSession) -> None:
    assert locked.views == {PEOPLE: ("name", "sfzh"), PLACES: ("place",)}
    assert locked.snapshots == {PEOPLE: _published()[PEOPLE], PLACES: _published()[PLACES]}
    rows = locked.run(f"SELECT * FROM {PEOPLE} LIMIT 1", limit=1).rows
    assert rows == [("张1", "110105************")]
    with pytest.raises(readonly.QueryError, match="phone"):
        locked.run(f"SELECT phone FROM {PEOPLE}", limit=1)


def test_only_the_published_files_of_the_exposed_tables_are_readable(sql_home: Path) -> None:
    con = lake.connect(get_settings(), read_only=True)
    try:
        files = {table: [row[0] for row in con.execute(
            "SELECT data_file FROM ducklake_list_files('lake', ?, schema => 'raw', snapshot_version => ?)",
            [table.split(".")[1], snapshot]).fetchall()] for table, snapshot in _published().items()}
    finally:
        con.close()
    assert files[PEOPLE] and files[PLACES], "the test tables must be large enough to be written as Parquet"
    with readonly.session(get_settings(), {PLACES: readonly.TableAccess(("place",))}) as analyst:
        with pytest.raises(readonly.QueryError, match="Permission"):  # people is not exposed: its file is not allowed
            analyst.run(f"SELECT * FROM read_parquet('{files[PEOPLE][0]}')", limit=1)
        settings = analyst.run("SELECT current_setting('enable_external_access'), "
                               "current_setting('lock_configuration')", limit=1).rows
        assert settings == [(False, True)]


def test_a_slow_query_is_interrupted_at_the_time_limit(locked: readonly.AnalystSession) -> None:
    with pytest.raises(readonly.QueryTimeout, match="time limit"):
        locked.run("SELECT count(*) FROM range(1000000000) a, range(1000000000) b", limit=1, timeout_s=0.5)
    result = locked.run(f"SELECT count(*) FROM {PLACES}", limit=1, timeout_s=5)
    assert result.rows == [(50,)] and result.elapsed_s < 5


def test_on_s3_the_lock_allows_only_the_published_objects(home: Path, s3_server: S3Server,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The production layout: allowed_paths holds s3:// objects; other objects and URLs are refused."""
    bucket = f"lake-{uuid.uuid4().hex[:8]}"
    Minio(s3_server.endpoint, access_key=s3_server.access_key, secret_key=s3_server.secret_key,
          secure=False).make_bucket(bucket)
    for name, value in {"LAKE_DATA_PATH": f"s3://{bucket}/lake/", "S3_ENDPOINT": s3_server.endpoint,
                        "S3_ACCESS_KEY": s3_server.access_key, "S3_SECRET_KEY": s3_server.secret_key}.items():
        monkeypatch.setenv(f"BLOCKLAKE_{name}", value)
    get_settings.cache_clear()
    con = lake.connect(get_settings())
    try:  # two tables of 500 rows (above DuckLake's inlining limit: Parquet objects), only one published
        for table in ("shown", "hidden"):
            con.execute(f"CREATE TABLE lake.raw.{table} AS SELECT i AS id, 'n' || i AS label FROM range(500) t(i)")
        store.ensure_tables(con)
        published.record(con, [published.Publication("raw.shown", lake.current_snapshot(con), "test", 100.0)],
                         datetime.now(UTC))
        hidden = con.execute("SELECT data_file FROM ducklake_list_files('lake', 'hidden', schema => 'raw')"
                             ).fetchone()[0]
    finally:
        con.close()
    with readonly.session(get_settings(), {"raw.shown": readonly.TableAccess(("label",))}) as analyst:
        assert analyst.run("SELECT count(*), min(label) FROM raw.shown", limit=1).rows == [(500, "n0")]
        for statement in (f"SELECT * FROM read_parquet('{hidden}')", f"SELECT * FROM 's3://{bucket}/lake/**'",
                          f"SELECT * FROM read_csv('http://{s3_server.endpoint}/{bucket}')"):
            with pytest.raises(readonly.QueryError, match=r"Permission Error|does not exist"):
                analyst.run(statement, limit=1)
