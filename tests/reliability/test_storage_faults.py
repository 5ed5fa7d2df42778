"""Item 6 of the reliability suite: the lake's S3 server stops mid-upload, and a department delivers a
truncated or damaged Parquet file. Each load fails closed, naming the cause; readers keep the version
they had, every object under it stays whole; the retry succeeds and the orphans are cleaned up."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from minio import Minio

from blocklake.errors import LakeError, SourceDataError
from blocklake.maintenance import maintain, orphaned_files
from blocklake.settings import Settings, get_settings
from ingestion.runner import load_table
from tests.conftest import S3Server, declare, query, sqlite_execute
from tests.reliability.tally import TALLY
from tests.reliability.tcp_proxy import TcpProxy

CONTENT = "SELECT count(*), count(DISTINCT id), sum(m3) FROM lake.raw.water__reading"
READINGS = "SELECT count(*), count(DISTINCT id), sum(length(note)) FROM lake.raw.water__reading"


@pytest.fixture
def s3_lake(home: Path, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[TcpProxy]:
    """The lake's data in a bucket reached through a proxy that the test can stop."""
    bucket = f"lake-{uuid.uuid4().hex[:8]}"
    Minio(s3_server.endpoint, access_key=s3_server.access_key, secret_key=s3_server.secret_key,
          secure=False).make_bucket(bucket)
    proxy = TcpProxy(int(s3_server.endpoint.rsplit(":", 1)[1]))
    for name, value in {"LAKE_DATA_PATH": f"s3://{bucket}/lake/", "S3_ENDPOINT": proxy.endpoint,
                        "S3_ACCESS_KEY": s3_server.access_key, "S3_SECRET_KEY": s3_server.secret_key}.items():
        monkeypatch.setenv(f"BLOCKLAKE_{name}", value)
    get_settings.cache_clear()
    yield proxy
    proxy.close()


def add_readings(source: Path, start: int, count: int) -> None:
    # Incompressible notes, so each load uploads megabytes and the cut lands inside an upload.
    sqlite_execute(source, f"WITH RECURSIVE n(i) AS (SELECT {start} UNION ALL SELECT i + 1 FROM n "
                           f"WHERE i < {start + count - 1}) "
                           "INSERT INTO reading SELECT i, 'M' || i, hex(randomblob(64)) FROM n")


def test_the_s3_server_stopping_mid_upload_fails_the_load_closed_and_the_retry_succeeds(
        s3_lake: TcpProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    source = tmp_path / "meters.sqlite"
    sqlite_execute(source, "CREATE TABLE reading (id INTEGER PRIMARY KEY, meter TEXT, note TEXT)")
    add_readings(source, 0, 100_000)
    monkeypatch.setenv("BLOCKLAKE_CONN_METERS_DB", f"sqlite://{source}")
    declare(settings, "water", {"id": "meters_db", "kind": "sqlite", "connection": "meters_db"},
            {"name": "reading", "title": "抄表", "object": "reading", "primary_key": ["id"]})
    load_table("water", "reading", settings=settings)
    before = query(settings, READINGS)[0]

    add_readings(source, 100_000, 100_000)
    s3_lake.cut_after(2 << 20)
    with pytest.raises(LakeError, match="storage") as failure:
        load_table("water", "reading", settings=settings)
    assert s3_lake.uploaded >= 2 << 20, "the server stopped before the upload began"
    TALLY.add("faults_injected")
    assert "nothing was committed" in str(failure.value)

    s3_lake.restore()
    assert query(settings, READINGS)[0] == before  # every object under the published version is whole
    orphans = _orphans(settings)
    load_table("water", "reading", settings=settings)
    count, distinct, _ = query(settings, READINGS)[0]
    TALLY.rows(200_000, distinct)
    assert count == distinct == 200_000
    report = maintain(settings, orphan_grace=timedelta(0))
    assert report.orphaned_files_deleted >= len(orphans)
    assert query(settings, READINGS)[0][0] == 200_000


def _orphans(settings: Settings) -> list[str]:
    from blocklake import lake

    con = lake.connect(settings)
    try:
        return orphaned_files(con)
    finally:
        con.close()


def write_delivery(folder: Path, start: int, files: int = 3, rows: int = 20_000) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for part in range(files):
        ids = range(start + part * rows, start + (part + 1) * rows)
        table = pa.table({"id": list(ids), "meter": [f"M{i:07d}" for i in ids], "m3": [i / 7 for i in ids]})
        path = folder / f"reading-{start}-{part}.parquet"
        pq.write_table(table, path, compression="zstd", row_group_size=5_000)
        paths.append(path)
    return paths


def damage(path: Path, *, truncate: bool) -> None:
    data = path.read_bytes()
    if truncate:  # cut off in transfer
        path.write_bytes(data[: len(data) // 2])
    else:  # footer intact, a data page overwritten
        middle = len(data) // 3
        path.write_bytes(data[:middle] + bytes(4096) + data[middle + 4096:])


@pytest.mark.parametrize("truncate", [True, False], ids=["truncated", "damaged-pages"])
def test_a_truncated_or_damaged_parquet_delivery_fails_closed_naming_the_file(
        settings: Settings, tmp_path: Path, truncate: bool) -> None:
    folder = settings.sources_path / "water"
    declare(settings, "water", {"id": "water_files", "kind": "parquet", "path": "water"},
            {"name": "reading", "title": "抄表", "object": "reading-*.parquet", "primary_key": ["id"]})
    write_delivery(folder, 0)
    load_table("water", "reading", settings=settings)
    before = query(settings, CONTENT)

    resent = write_delivery(tmp_path / "resent", 60_000)
    delivered = [Path(shutil.copy(path, folder)) for path in resent]
    damage(delivered[1], truncate=truncate)
    TALLY.add("faults_injected")
    TALLY.add("bad_inputs_tried")
    with pytest.raises(SourceDataError, match="resend") as failure:
        load_table("water", "reading", settings=settings)
    assert (delivered[1].name if truncate else "reading-60000") in str(failure.value)
    assert query(settings, CONTENT) == before
    assert query(settings, "SELECT outcome, error FROM lake.meta.loads ORDER BY started_at DESC LIMIT 1")[0] \
        == ("failed", f"SourceDataError: {failure.value}")

    shutil.copy(resent[1], delivered[1])  # the department resends the file
    record = load_table("water", "reading", settings=settings)
    TALLY.rows(120_000, record.rows_extracted)
    # Read whole; written: the second delivery's rows, the first's being unchanged.
    assert (record.rows_extracted, record.rows_inserted) == (120_000, 60_000)
    assert query(settings, "SELECT count(DISTINCT id), sum(m3) FROM lake.raw.water__reading")[0] \
        == (120_000, pytest.approx(sum(range(120_000)) / 7))
