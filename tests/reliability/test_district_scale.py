"""Items 7 and 14 of the reliability suite, on the district (≈10M source records, `make test-full`):

- the catalog API at 200 requests/s for 60 s while the whole pipeline runs again: no errors, p99 reported;
- a quality failure in the largest people table: its load succeeds, its gate blocks it, and consumers —
  the published views (what the analyst SQL endpoint and dbt read), the catalog and the exports — stay
  on the previous version.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.catalog import directory_request, load, wait_for
from blocklake.settings import PROJECT_ROOT
from synthetic import GenerateConfig, generate
from tests.conftest import free_port
from tests.reliability.tally import TALLY

pytestmark = pytest.mark.full
BLOCKLAKE = str(Path(sys.executable).with_name("blocklake"))
SOURCES = PROJECT_ROOT / "var" / "test-full" / "district-sources"  # generated once, reused between runs
TABLE = "raw.police__resident"


def district_sources() -> Path:
    manifest = SOURCES / "manifest.json"
    if not manifest.exists() or json.loads(manifest.read_text(encoding="utf-8"))["scale"] != "district":
        shutil.rmtree(SOURCES, ignore_errors=True)
        generate(GenerateConfig(out_dir=SOURCES, scale="district", seed=440305), progress=lambda message: None)
    return SOURCES


def blocklake(env: dict[str, str], *args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BLOCKLAKE, *args], env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A home on the district, through the whole pipeline once (`blocklake run`)."""
    home = tmp_path_factory.mktemp("district")
    shutil.copytree(district_sources(), home / "sources")
    env = {**os.environ, "BLOCKLAKE_HOME": str(home), "BLOCKLAKE_SCALE": "district"}
    run = blocklake(env, "run", "--scale", "district", "--no-serve")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return env


@pytest.fixture(scope="module")
def catalog(district: dict[str, str]) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen([BLOCKLAKE, "catalog", "--port", str(port)], env=district,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=30)


def department_key(env: dict[str, str], code: str) -> str:
    script = ("from sqlalchemy import select\nfrom catalog import auth, db\nfrom catalog.models import Department\n"
              "with db.session() as s:\n"
              f"    print(auth.issue_key(s, s.scalar(select(Department).where(Department.code == '{code}'))))")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                            cwd=PROJECT_ROOT)
    return result.stdout.strip()


def test_the_catalog_serves_200_requests_a_second_without_error_while_the_pipeline_runs(
        district: dict[str, str], catalog: str) -> None:
    pipeline = subprocess.Popen([BLOCKLAKE, "run", "--scale", "district", "--no-serve"], env=district,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(10)  # into the ingestion: loads, gates and then the catalog's refresh write while we read
        latencies, errors = asyncio.run(load(catalog, department_key(district, "civil"), 200, 60, directory_request))
        still_running = pipeline.poll() is None
    finally:
        output, _ = pipeline.communicate(timeout=3600)
    served = len(latencies) + errors
    p99_ms = statistics.quantiles(latencies, n=100)[98] * 1000
    TALLY.add("requests_served", served)
    TALLY.add("errors_under_load", errors)
    TALLY.measure("api_p99_ms_under_load", round(p99_ms, 2))
    TALLY.measure("api_p50_ms_under_load", round(statistics.median(latencies) * 1000, 2))
    print(f"{served} requests at 200/s during the pipeline: p99 {p99_ms:.1f} ms, {errors} errors")
    assert pipeline.returncode == 0, output[-3000:]
    assert still_running, "the pipeline ended before the load did: the test did not load the API during it"
    assert errors == 0 and served == 200 * 60


def published(env: dict[str, str]) -> dict[str, object]:
    """What consumers of TABLE see: its published snapshot, its rows there, and the analyst's view."""
    script = f"""
import json
from blocklake import lake
from blocklake.published import create_published_views
con = lake.connect(read_only=True)
snapshots = create_published_views(con)
print(json.dumps({{"snapshot": snapshots["{TABLE}"],
                  "view_rows": con.execute("SELECT count(*) FROM police__resident").fetchone()[0],
                  "base_person_rows": con.execute("SELECT count(*) FROM base_person").fetchone()[0]}}))
"""
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                            cwd=PROJECT_ROOT, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def catalog_entry(catalog: str, key: str) -> dict[str, object]:
    found = httpx.get(f"{catalog}/api/resources", params={"q": "实有人口", "layer": "raw"},
                      headers={"X-API-Key": key}, timeout=30).json()
    [entry] = [item for item in found["items"] if item["name"] == "实有人口"]
    return entry


def corrupted_copy(source: Path, folder: Path) -> Path:
    """The police database with one resident in 200 lacking the registry number (the table's key)."""
    copy = folder / source.name
    shutil.copy(source, copy)
    with sqlite3.connect(copy) as con:  # the same columns and types, without the key's NOT NULL
        columns = ", ".join(f'"{name}" {kind}' for _, name, kind, *_ in con.execute("PRAGMA table_info(resident)"))
        con.execute(f"CREATE TABLE broken ({columns})")
        con.execute("INSERT INTO broken SELECT * FROM resident")
        con.execute("DROP TABLE resident")
        con.execute("ALTER TABLE broken RENAME TO resident")
        con.execute("UPDATE resident SET rkbh = NULL WHERE rowid % 200 = 0")
    return copy


def test_a_quality_failure_at_district_scale_keeps_consumers_on_the_previous_version(
        district: dict[str, str], catalog: str, tmp_path: Path) -> None:
    key = department_key(district, "civil")
    before, entry_before = published(district), catalog_entry(catalog, key)
    source = Path(district["BLOCKLAKE_HOME"]) / "sources" / "police.sqlite"
    env = {**district, "BLOCKLAKE_CONN_POLICE_DB": f"sqlite://{corrupted_copy(source, tmp_path)}"}

    failed = blocklake(env, "ingest", "police", "resident", "--reconcile")
    TALLY.add("faults_injected")
    assert failed.returncode == 1 and "NOT published" in failed.stderr, failed.stdout + failed.stderr
    assert "rkbh" in failed.stderr  # the reason names the column

    refreshed = subprocess.run([sys.executable, "-c", "from catalog.register import refresh; refresh()"], env=env,
                               cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert refreshed.returncode == 0, refreshed.stderr[-2000:]
    exported = blocklake(env, "export")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    after, entry_after = published(district), catalog_entry(catalog, key)
    TALLY.rows(int(before["view_rows"]), int(after["view_rows"]))
    assert after == before
    assert entry_after == entry_before  # rows, score and date of the version consumers can have
    assert str(entry_before["code"]) not in exported.stdout  # no bundle of the blocked version went out
