"""Export bundles from a real lake: approved items only, personal items masked or pseudonymised, a
street office's rows only, delivered whole to a folder or an S3 bucket, never twice, every one audited;
the SQL loads into real PostgreSQL and MariaDB and matches the lake; the Parquet reads in DuckDB,
Polars and PyArrow."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import duckdb
import polars
import psycopg
import pyarrow.parquet as pq
import pymysql
import pytest
from minio import Minio
from sqlalchemy import select

from blocklake import lake
from blocklake.errors import ExportError
from blocklake.identifiers import is_valid_resident_id
from blocklake.settings import get_settings
from catalog import db, sharing
from catalog.models import Application, AuditLog, Department, Export, Resource
from catalog.register import refresh
from exports import service
from exports.targets import FolderTarget, safe_join
from ingestion.runner import load_table
from tests.conftest import POSTGRES_DSN, TEST_USCC, S3Server, SourceDepartment, registered_lake, sqlite_execute

VALID_IDS = ("11010519491231002X", "440305199001011237", "440305198512120016")
GRIDS = ("440305001001001", "440305002003004")
TRICKY = ('引号"和\'单引号', "反斜杠\\n不是换行", "真的\n换行", "", "NULL", "逗号,分号;", "emoji 🏠")


def _people_rows() -> list[tuple]:
    return [(i, f"张{i}", VALID_IDS[i % 3], f"1380013{i:04d}", GRIDS[i % 2], f"19{50 + i % 40}-0{1 + i % 9}-15",
             f"2026-10-{1 + i % 28:02d} 08:{i % 60:02d}:00", i % 3 == 0, TRICKY[i % len(TRICKY)] if i % 5 else None)
            for i in range(1, 121)]


@pytest.fixture(scope="module")
def export_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A lake with one department's people (conditional) and places (unconditional), in a fresh catalog."""
    root = tmp_path_factory.mktemp("exports")
    source = root / "alpha.sqlite"
    sqlite_execute(source, "CREATE TABLE people (id INTEGER, name TEXT, sfzh TEXT, phone TEXT, grid TEXT, born DATE, "
                           "updated TIMESTAMP, verified BOOLEAN, note TEXT)")
    sqlite_execute(source, "INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", _people_rows())
    sqlite_execute(source, "CREATE TABLE places (id INTEGER, place TEXT, area REAL)")
    sqlite_execute(source, "INSERT INTO places VALUES (?, ?, ?)", [(i, f"场所{i}", i * 1.5) for i in range(1, 11)])
    tables = [
        {"name": "people", "title": "人口", "object": "people", "primary_key": ["id"], "block_column": "grid",
         "sensitive": {"name": "person_name", "sfzh": "resident_id", "phone": "phone"},
         "directory": {"classification": "1.01.001", "share_type": "有条件共享", "share_conditions": "限履职使用"}},
        {"name": "places", "title": "场所", "object": "places", "primary_key": ["id"],
         "directory": {"classification": "2.01.001", "share_type": "无条件共享"}},
    ]
    with registered_lake(root, {"alpha": SourceDepartment(TEST_USCC, source, tables)}, EXPORT_INLINE_ROWS="50",
                         EXPORT_SECRET="test secret"):
        with db.session() as session:
            session.add_all([Department(code="beta", name="测试beta局", uscc="91350100M000100Y43", kind="department"),
                             Department(code="gamma", name="测试gamma局", uscc="91110000600037341L", kind="department"),
                             Department(code="street_440305001", name="一号街道办事处", kind="street",
                                        block_code="440305001")])
        yield root


def approve(consumer: str, table: str, items: list[str]) -> int:
    with db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.source_key == f"raw.alpha__{table}"))
        department = session.scalar(select(Department).where(Department.code == consumer))
        application = sharing.apply(session, resource, department,
                                    sharing.ApplicationRequest(items=items, purpose="测试用途"))
        session.flush()
        if application.status == "pending":
            sharing.decide(session, application, resource.provider, approve=True, reason="同意")
        return application.id


def lake_rows(sql: str) -> list[tuple]:
    con = lake.connect(read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def delivered(export_home: Path) -> dict[str, Path]:
    """beta: people's name, ID, phone, birth date, update time, flag and note; street office …001: places
    and people's ID and grid; gamma: places."""
    ids = {"beta": approve("beta", "people", ["id", "name", "sfzh", "phone", "born", "updated", "verified", "note"]),
           "street": approve("street_440305001", "people", ["id", "sfzh", "grid"]),
           "gamma": approve("gamma", "places", ["id", "place", "area"])}
    results = service.export_due()
    assert {r.delivery.application_id: r.status for r in results} == {i: "delivered" for i in ids.values()}
    with db.session() as session:
        locations = {name: Path(session.scalar(select(Export.location).where(Export.application_id == number)))
                     for name, number in ids.items()}
    return locations


def test_a_bundle_has_every_file_its_manifest_lists_with_their_checksums(delivered: dict[str, Path]) -> None:
    folder = delivered["beta"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"alpha__people.parquet", "alpha__people.csv", "postgres.sql", "mysql.sql"}
    for name, facts in manifest["files"].items():
        data = (folder / name).read_bytes()
        import hashlib

        assert hashlib.sha256(data).hexdigest() == facts["sha256"] and len(data) == facts["bytes"]
    assert manifest["row_count"] == 120 and manifest["consumer"] == "beta" and manifest["snapshot_id"] > 0
    assert manifest["masking"]["sfzh"] == "display mask (resident_id)"
    assert "sfzh_pseudonym" in manifest["columns"] and "grid" not in manifest["columns"]
    assert folder.relative_to(get_settings().exports_path).parts[:2] == ("beta", "1.01.001_000001")


def test_only_approved_items_leave_and_no_full_id_or_phone_appears_anywhere(delivered: dict[str, Path]) -> None:
    for folder in delivered.values():
        for path in folder.iterdir():
            text = _parquet_text(path) if path.suffix == ".parquet" else path.read_text(encoding="utf-8")
            for candidate in re.findall(r"(?<!\d)\d{17}[\dX](?!\d)", text):
                assert not is_valid_resident_id(candidate), (path, candidate)
            assert not re.search(r"(?<!\d)1380013\d{4}(?!\d)", text), path
    columns = pq.read_schema(delivered["street"] / "alpha__people.parquet").names
    assert columns == ["id", "sfzh", "sfzh_pseudonym", "grid"]


def _parquet_text(path: Path) -> str:
    return "\n".join(str(value) for row in duckdb.sql(f"SELECT * FROM read_parquet('{path}')").fetchall()
                     for value in row)


def test_pseudonyms_link_within_a_consumer_and_not_across(delivered: dict[str, Path]) -> None:
    def pseudonyms(bundle: str) -> dict[int, str]:
        path = delivered[bundle] / "alpha__people.parquet"
        return dict(duckdb.sql(f"SELECT id, sfzh_pseudonym FROM read_parquet('{path}')").fetchall())

    beta, street = pseudonyms("beta"), pseudonyms("street")
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in beta.values())
    # Rows i and i + 3 hold the same ID (VALID_IDS[i % 3]): the same pseudonym within one consumer …
    assert all(beta[i] == beta[i + 3] for i in range(1, 118)) and len(set(beta.values())) == 3
    assert all(street[i] == street[i + 6] for i in street if i + 6 in street)
    # … and another one for another consumer.
    assert not set(beta.values()) & set(street.values())


def test_a_street_office_receives_only_its_streets_rows(delivered: dict[str, Path]) -> None:
    path = delivered["street"] / "alpha__people.parquet"
    assert duckdb.sql(f"SELECT DISTINCT grid FROM read_parquet('{path}')").fetchall() == [(GRIDS[0],)]
    count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
    assert count == sum(1 for row in _people_rows() if row[4] == GRIDS[0]) == 60


def test_a_street_office_gets_nothing_of_a_resource_without_a_block_column(export_home: Path) -> None:
    number = approve("street_440305001", "places", ["id", "place"])
    results = [r for r in service.export_due() if r.delivery.application_id == number]
    assert [r.status for r in results] == ["failed"] and "no block column" in results[0].error
    with db.session() as session:
        assert session.scalar(select(Export).where(Export.application_id == number)) is None
        session.get(Application, number).status = "withdrawn"  # leave the other tests a clean plan


def test_the_parquet_reads_in_duckdb_polars_and_pyarrow(delivered: dict[str, Path]) -> None:
    path = delivered["beta"] / "alpha__people.parquet"
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    by_duckdb = duckdb.sql(f"SELECT count(*), count(note), sum(id) FROM read_parquet('{path}')").fetchone()
    frame = polars.read_parquet(path)
    table = pq.read_table(path)
    by_polars = (frame.height, frame["note"].count(), frame["id"].sum())
    by_pyarrow = (table.num_rows, table.num_rows - table["note"].null_count, sum(table["id"].to_pylist()))
    assert by_duckdb == by_polars == by_pyarrow and by_duckdb[0] == 120


def test_nothing_is_sent_twice_and_every_export_is_audited(delivered: dict[str, Path]) -> None:
    assert service.export_due() == []  # the same snapshots again: nothing due
    with db.session() as session:
        exports = session.scalars(select(Export)).all()
        audits = session.scalars(select(AuditLog).where(AuditLog.action == "export")).all()
    assert len(audits) == len(exports) == 3
    assert {a.detail["rows"] for a in audits} == {120, 60, 10}
    assert all(a.detail["items"] and a.detail["location"] for a in audits)


def test_a_new_snapshot_with_the_same_rows_is_recorded_not_resent(delivered: dict[str, Path]) -> None:
    load_table("alpha", "places")  # a full reload: a new snapshot, the same rows
    from quality.gate import gate_raw_table

    gate_raw_table("alpha", "places")
    refresh(manifest=Path("no-dbt-manifest.json"))
    results = service.export_due()
    assert [r.status for r in results] == ["unchanged"]
    with db.session() as session:
        latest = session.scalars(select(Export).order_by(Export.id.desc())).first()
        assert latest.unchanged and Path(latest.location) == delivered["gamma"]


@pytest.fixture
def postgres_database() -> Iterator[str]:
    name = f"bundle_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    yield name
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.mark.parametrize("bundle", ["beta", "gamma"])  # beta's goes by CSV (120 rows > 50), gamma's by INSERTs
def test_the_sql_loads_into_postgresql_and_matches_the_lake(delivered: dict[str, Path], bundle: str,
                                                            postgres_database: str) -> None:
    folder = delivered[bundle]
    table = json.loads((folder / "manifest.json").read_text())["table"]
    loaded = loaded_into_postgres(folder, postgres_database, _checksum_sql(folder, table, "postgres"))
    assert _normal(loaded) == _parquet_checksum(folder, table)


@pytest.mark.parametrize("bundle", ["beta", "gamma"])
def test_the_sql_loads_into_mariadb_and_matches_the_lake(delivered: dict[str, Path], bundle: str) -> None:
    folder = delivered[bundle]
    table = json.loads((folder / "manifest.json").read_text())["table"]
    assert _normal(loaded_into_mariadb(folder, _checksum_sql(folder, table, "mysql"))) == \
        _parquet_checksum(folder, table)


def loaded_into_postgres(folder: Path, database: str, checksum: str) -> tuple:
    """Run the bundle's postgres.sql with psql from its folder, as a consumer would; then ``checksum``."""
    dsn = POSTGRES_DSN.rsplit("/", 1)[0] + f"/{database}"
    subprocess.run(["psql", dsn, "-v", "ON_ERROR_STOP=1", "-q", "-f", "postgres.sql"], cwd=folder, check=True,
                   capture_output=True)
    with psycopg.connect(dsn) as con:
        return con.execute(checksum).fetchone()


def loaded_into_mariadb(folder: Path, checksum: str) -> tuple:
    """Run the bundle's mysql.sql with the mariadb client into a fresh database; then ``checksum`` (UTC)."""
    name = f"bundle_{uuid.uuid4().hex[:10]}"
    admin = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    admin.cursor().execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    try:
        with (folder / "mysql.sql").open("rb") as script:
            subprocess.run(["mariadb", "--local-infile=1", "-h", "127.0.0.1", "-u", "root", name], stdin=script,
                           cwd=folder, check=True, capture_output=True)
        con = pymysql.connect(host="127.0.0.1", user="root", database=name, charset="utf8mb4")
        with con.cursor() as cursor:
            cursor.execute("SET time_zone = '+00:00'")
            cursor.execute(checksum)
            loaded = cursor.fetchone()
        con.close()
    finally:
        admin.cursor().execute(f"DROP DATABASE {name}")
        admin.close()
    return loaded


def _columns(folder: Path, table: str) -> list[tuple[str, str]]:
    path = folder / f"{table}.parquet"
    return [(row[0], row[1]) for row in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()]


# Per column, in each engine's own SQL: non-nulls and a sum that moves with any value.
SUMS = {
    "VARCHAR": {"duckdb": "sum(length({c}))", "postgres": "sum(char_length({c}))", "mysql": "sum(char_length({c}))"},
    "DATE": {"duckdb": "sum(datediff('day', DATE '1970-01-01', {c}))", "postgres": "sum({c} - DATE '1970-01-01')",
             "mysql": "sum(datediff({c}, '1970-01-01'))"},
    "TIMESTAMP": {"duckdb": "sum(epoch_us({c}))", "postgres": "sum(extract(epoch FROM {c}) * 1000000)",
                  "mysql": "sum(timestampdiff(MICROSECOND, '1970-01-01', {c}))"},
    "BOOLEAN": {engine: "sum(CASE WHEN {c} THEN 1 ELSE 0 END)" for engine in ("duckdb", "postgres", "mysql")},
}


def _checksum_sql(folder: Path, table: str, dialect: str) -> str:
    quote = "`" if dialect == "mysql" else '"'
    parts = ["count(*)"]
    for name, kind in _columns(folder, table):
        column = f"{quote}{name}{quote}"
        parts += [f"count({column})", SUMS.get(kind, {}).get(dialect, "sum({c})").format(c=column)]
    return f"SELECT {', '.join(parts)} FROM {quote}{table}{quote}"


def _normal(row: tuple) -> tuple:
    return tuple(None if value is None else round(float(value), 3) for value in row)


def _parquet_checksum(folder: Path, table: str) -> tuple:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW \"{table}\" AS SELECT * FROM read_parquet('{folder / (table + '.parquet')}')")
    return _normal(con.execute(_checksum_sql(folder, table, "duckdb")).fetchone())


ALL_TYPES = """
SELECT i AS id, i % 2 = 0 AS flag, CAST(i * 1.25 AS DECIMAL(12, 2)) AS amount, CAST(i AS HUGEINT) * 1000 AS big,
       TIMESTAMPTZ '2026-10-31 08:00:00+08' + INTERVAL (i) MINUTE AS happened,
       TIMESTAMP '2026-01-01 00:00:00.123456' + INTERVAL (i) SECOND AS precise,
       DATE '2000-02-29' + CAST(i AS INTEGER) AS day,
       [i, i + 1] AS pair, CAST('\\x00\\xff' AS BLOB) AS raw, i / 3.0 AS ratio,
       CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'NULL' ELSE '引号"\\\\反斜杠' END AS text
FROM range(1, 81) AS t(i)
"""


@pytest.fixture(scope="module", params=[0, 1000], ids=["csv", "inserts"])
def typed_bundle(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every kind of column the lake holds, written the way a bundle writes its SQL files."""
    from exports.bundle import write_sql
    from exports.plan import Delivery
    from exports.sqlfiles import portable

    folder = tmp_path_factory.mktemp("typed")
    con = duckdb.connect()
    con.execute(f"COPY ({ALL_TYPES}) TO '{folder / 'typed.parquet'}' (FORMAT parquet)")
    source = f"read_parquet('{folder / 'typed.parquet'}')"
    columns = [portable(name, kind) for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    delivery = Delivery(application_id=1, consumer_id=1, resource_id=1, consumer_code="beta", consumer_name="乙",
                        resource_code="2.01.001/000001", resource_name="类型", source_key="raw.typed", snapshot_id=1,
                        items=())
    write_sql(con, delivery, folder, source, columns, large=request.param < 80)
    return folder


def test_every_column_type_loads_into_postgresql_as_in_the_parquet(typed_bundle: Path, postgres_database: str) -> None:
    loaded = loaded_into_postgres(typed_bundle, postgres_database, _typed_checksum("postgres"))
    assert _normal(loaded) == _typed_parquet(typed_bundle)


def test_every_column_type_loads_into_mariadb_as_in_the_parquet(typed_bundle: Path) -> None:
    assert _normal(loaded_into_mariadb(typed_bundle, _typed_checksum("mysql"))) == _typed_parquet(typed_bundle)


def _typed_checksum(dialect: str) -> str:
    """Rows, and per column a sum in the engine's SQL (booleans counted, timestamps in UTC seconds)."""
    quote = "`" if dialect == "mysql" else '"'
    text = {"duckdb": "length({c})", "postgres": "char_length({c})", "mysql": "char_length({c})"}[dialect]
    day = SUMS["DATE"][dialect]
    seconds = SUMS["TIMESTAMP"][dialect]
    flag = {"duckdb": "sum(CAST(flag AS INTEGER))", "postgres": "sum(CASE WHEN flag THEN 1 ELSE 0 END)",
            "mysql": "sum(flag)"}[dialect]
    happened = "sum(epoch_us(timezone('UTC', happened)))" if dialect == "duckdb" else seconds.format(c="happened")
    parts = ["count(*)", flag, "sum(amount)", "sum(big)", happened, seconds.format(c="precise"),
             day.format(c="day"), f"sum({text.format(c='pair')})", f"sum({text.format(c='raw')})", "sum(ratio)",
             "count(text)", f"sum({text.format(c='text')})", "sum(CASE WHEN text = 'NULL' THEN 1 ELSE 0 END)",
             "sum(CASE WHEN text = '' THEN 1 ELSE 0 END)"]
    return f"SELECT {', '.join(parts)} FROM {quote}typed{quote}"


def _typed_parquet(folder: Path) -> tuple:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW typed AS SELECT * REPLACE (CAST(to_json(pair) AS VARCHAR) AS pair, hex(raw) AS raw) "
                f"FROM read_parquet('{folder / 'typed.parquet'}')")
    return _normal(con.execute(_typed_checksum("duckdb")).fetchone())


def test_delivery_to_the_consumers_s3_bucket_puts_the_manifest_last(export_home: Path, s3_server: S3Server,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    client = Minio(s3_server.endpoint, access_key=s3_server.access_key, secret_key=s3_server.secret_key, secure=False)
    client.make_bucket("exports-beta")
    for name, value in {"EXPORT_TARGET": "s3://exports-{consumer}/bundles/", "S3_ENDPOINT": s3_server.endpoint,
                        "S3_ACCESS_KEY": s3_server.access_key, "S3_SECRET_KEY": s3_server.secret_key}.items():
        monkeypatch.setenv(f"BLOCKLAKE_{name}", value)
    get_settings.cache_clear()
    try:
        number = approve("beta", "places", ["id", "place"])
        results = [r for r in service.export_due() if r.delivery.application_id == number]
    finally:
        monkeypatch.undo()  # the module's lake and catalog again, for the tests after this one
        get_settings.cache_clear()
    assert [r.status for r in results] == ["delivered"]
    location = results[0].location
    assert location.startswith("s3://exports-beta/bundles/beta/2.01.001_000001/application-")
    prefix = location.removeprefix("s3://exports-beta/")
    listed = client.list_objects("exports-beta", prefix=prefix, recursive=True)
    names = {item.object_name.rsplit("/", 1)[1] for item in listed}
    assert names == {"alpha__places.parquet", "postgres.sql", "mysql.sql", "manifest.json"}
    manifest = json.loads(client.get_object("exports-beta", prefix + "manifest.json").read())
    parquet = client.get_object("exports-beta", prefix + "alpha__places.parquet").read()
    import hashlib

    assert hashlib.sha256(parquet).hexdigest() == manifest["files"]["alpha__places.parquet"]["sha256"]


def test_a_missing_bucket_delivers_nothing_and_records_nothing(export_home: Path, s3_server: S3Server,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"EXPORT_TARGET": "s3://no-such-bucket-{consumer}/", "S3_ENDPOINT": s3_server.endpoint,
                        "S3_ACCESS_KEY": s3_server.access_key, "S3_SECRET_KEY": s3_server.secret_key}.items():
        monkeypatch.setenv(f"BLOCKLAKE_{name}", value)
    get_settings.cache_clear()
    try:
        number = approve("gamma", "people", ["id"])
        results = [r for r in service.export_due() if r.delivery.application_id == number]
    finally:
        monkeypatch.undo()  # the module's lake and catalog again, for the tests after this one
        get_settings.cache_clear()
    assert [r.status for r in results] == ["failed"] and "does not exist" in results[0].error
    with db.session() as session:
        assert session.scalar(select(Export).where(Export.application_id == number)) is None
        session.get(Application, number).status = "withdrawn"


@pytest.mark.parametrize("relative", ["../x", "beta/../../x", "/etc", ".."])
def test_paths_outside_the_export_root_are_refused(tmp_path: Path, relative: str) -> None:
    with pytest.raises(ExportError):
        safe_join(tmp_path, PurePosixPath(relative))


def test_a_symlink_in_the_export_folder_is_never_followed(tmp_path: Path) -> None:
    root, outside = tmp_path / "exports", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "beta").symlink_to(outside, target_is_directory=True)
    target = FolderTarget(root)
    staged = target.staging()
    (staged / "manifest.json").write_text("{}")
    with pytest.raises(ExportError, match="symlink"):
        target.publish(staged, PurePosixPath("beta", "2.01.001_000001", "application-1", "snapshot-1"))
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(("field", "value"), [("consumer_code", "../../etc"), ("consumer_code", "/abs"),
                                              ("resource_code", "../../x/000001"), ("resource_code", "1.01/../../x")])
def test_hostile_consumer_or_resource_names_are_refused(field: str, value: str) -> None:
    from exports.plan import Delivery
    from exports.targets import bundle_path

    fields = {"application_id": 1, "consumer_id": 1, "resource_id": 1, "consumer_code": "beta", "consumer_name": "乙",
              "resource_code": "2.01.001/000001", "resource_name": "x", "source_key": "raw.x", "snapshot_id": 1,
              "items": ("id",), field: value}
    with pytest.raises(ExportError, match="refusing"):
        bundle_path(Delivery(**fields))


def test_no_full_id_or_phone_reaches_the_progress_lines_logs_or_audit(export_home: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    number = approve("gamma", "people", ["id", "name", "sfzh", "phone", "note"])
    lines: list[str] = []
    with caplog.at_level("DEBUG"):
        results = [r for r in service.export_due(progress=lines.append) if r.delivery.application_id == number]
    assert [r.status for r in results] == ["delivered"], results
    with db.session() as session:
        audit = [json.dumps(a.detail, ensure_ascii=False) for a in session.scalars(select(AuditLog))]
    text = "\n".join([*lines, caplog.text, *audit, *(str(r) for r in results)])
    assert lines and not any(value in text for value in VALID_IDS)
    assert not re.search(r"1380013\d{4}", text)
