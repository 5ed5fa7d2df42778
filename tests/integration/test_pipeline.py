"""`blocklake run` end to end on the tiny district: every ingest DAG through Airflow's dag.test()."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import stat
import subprocess
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from bench import truth
from bench.common import open_lake
from blocklake.registry import load_registry
from catalog import auth, db
from catalog.models import Resource, Verification

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def pipeline_run(tiny_district_run: tuple[Path, subprocess.CompletedProcess[str]]
                 ) -> tuple[Path, subprocess.CompletedProcess[str]]:
    return tiny_district_run


def lake_query(home: Path, sql: str) -> list[tuple]:
    con = open_lake(home)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_run_succeeds_and_prints_the_summary(pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    _, result = pipeline_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    registry = load_registry()
    assert f"{len(registry.departments)} departments, {registry.table_count} tables" in result.stdout
    progress = re.findall(r"^\[\s*\d+/\d+\] (\w+)\s+success\s+[\d.]+s$", result.stdout, re.MULTILINE)
    assert sorted(progress) == sorted([f"ingest_{code}" for code in registry.departments]
                                      + ["build_block_base", "export_bundles", "ops_report"])
    assert re.search(r"^Block base: address_match_rate 0\.\d+, .*persons [\d,]+, .*events_closure_rate 0\.\d+",
                     result.stdout, re.MULTILINE)


def test_every_registry_table_landed_in_the_lake(pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, _ = pipeline_run
    registry = load_registry()
    loads = dict(lake_query(home, "SELECT raw_table, rows_inserted FROM lake.meta.loads WHERE outcome = 'succeeded'"))
    expected = {f"{code}__{t.name}" for code, d in registry.departments.items() for t in d.tables}
    assert set(loads) == expected
    for raw_table in expected:
        counted = lake_query(home, f"SELECT count(*) FROM lake.raw.{raw_table}")[0][0]
        assert counted == loads[raw_table] > 0, raw_table
    total = sum(loads.values())
    assert 15_000 <= total <= 25_000  # the tiny district is about 20k records


def test_the_base_layer_meets_its_quality_targets_against_the_truth(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, _ = pipeline_run
    con = open_lake(home)
    figures = truth.score(con, home / "sources" / "_truth")
    con.close()
    assert figures["person_dedup_precision"] >= 0.99 and figures["person_dedup_recall"] >= 0.99, figures
    assert figures["fake_address_precision"] >= 0.90 and figures["fake_address_recall"] >= 0.90, figures
    assert figures["lake_unit_match_rate"] >= 0.97 and figures["lake_building_match_precision"] >= 0.995, figures


def test_the_base_layer_was_built_from_the_loaded_tables(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, _ = pipeline_run
    events = lake_query(home, "SELECT count(*) FROM lake.base.base_event")[0][0]
    sources = lake_query(home, "SELECT (SELECT count(*) FROM lake.raw.hotline__hotline_ticket) "
                               "+ (SELECT count(*) FROM lake.raw.urban__city_event)")[0][0]
    assert events == sources > 0
    units = lake_query(home, "SELECT count(*) FROM lake.base.base_unit")[0][0]
    assert units == lake_query(home, "SELECT count(*) FROM lake.raw.natres__std_unit")[0][0]
    persons, residents = lake_query(home, "SELECT (SELECT count(*) FROM lake.base.base_person), "
                                          "(SELECT count(DISTINCT sfzh) FROM lake.raw.police__resident)")[0]
    assert persons >= residents * 0.9


def test_every_table_passed_its_gate_and_consumers_read_the_published_snapshot(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, result = pipeline_run
    registry = load_registry()
    published = dict(lake_query(home, "SELECT table_name, max(snapshot_id) FROM lake.meta.published GROUP BY ALL"))
    raw_tables = {f"raw.{code}__{t.name}" for code, d in registry.departments.items() for t in d.tables}
    assert raw_tables <= set(published)
    assert {"base.base_person", "base.base_unit", "base.base_legal_entity", "marts.mart_block_stats"} <= set(published)
    gated = len(published)
    assert re.search(rf"^Quality gate: {gated} tables published, 0 blocked", result.stdout, re.MULTILINE), result.stdout
    report = home / "reports" / "quality.html"
    assert f"quality      : {report}" in result.stdout
    assert "raw.police__resident" in report.read_text(encoding="utf-8")
    # Staging reads the raw tables at their published snapshots.
    staging = home / "dbt" / "target" / "run" / "blocklake" / "models" / "staging" / "police"
    assert f"AT (VERSION => {published['raw.police__resident']})" in (staging / "stg_police__resident.sql").read_text()


def test_the_directory_registers_every_published_table(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, result = pipeline_run
    registry = load_registry()
    match = re.search(r"^Directory: (\d+) resources from (\d+) source units, record sharing rate (0\.\d+)",
                      result.stdout, re.MULTILINE)
    assert match, result.stdout
    assert int(match[1]) == registry.table_count + 13  # every raw table and every base and mart model
    assert int(match[2]) == len(registry.departments) + 1  # the departments and the bureau
    import sqlite3

    with sqlite3.connect(home / "catalog" / "catalog.sqlite") as con:
        codes = dict(con.execute("SELECT source_key, code FROM resource").fetchall())
        days = con.execute("SELECT count(*) FROM daily_stat WHERE scope = 'all'").fetchone()[0]
    assert codes["raw.police__resident"] == "1.01.001/000001" and codes["base.base_person"] == "1.01.001/000002"
    assert days == 1


def test_per_street_figures_count_each_block_resources_rows_in_its_street(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, _ = pipeline_run
    import sqlite3

    with sqlite3.connect(home / "catalog" / "catalog.sqlite") as con:
        counted = dict(con.execute(
            "SELECT c.street_code, c.records FROM street_count AS c JOIN resource AS r ON r.id = c.resource_id "
            "WHERE r.source_key = 'base.base_person'").fetchall())
        names = dict(con.execute("SELECT street_code, street_name FROM street_count").fetchall())
        per_street = dict(con.execute(
            "SELECT key, records FROM daily_stat WHERE scope = 'street'").fetchall())
        block_resources = con.execute("SELECT count(*) FROM resource WHERE block_column IS NOT NULL").fetchone()[0]
    in_lake = dict(lake_query(home, "SELECT left(residence_grid_code, 9), count(*) FROM lake.base.base_person "
                                    "WHERE residence_grid_code IS NOT NULL GROUP BY ALL"))
    assert counted == in_lake and len(counted) >= 2
    streets = dict(lake_query(home, "SELECT street_code, street_name FROM lake.base.base_street"))
    assert names == {code: streets[code] for code in names}
    assert block_resources == 12  # 10 base and mart models, natres's buildings and units
    # A street's records are the sum over every block resource; the persons alone are part of it.
    assert all(per_street[code] >= count for code, count in counted.items())


def test_the_operations_report_is_written_with_its_sections(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, result = pipeline_run
    report = home / "reports" / "ops.html"
    assert f"operations   : {home / 'reports'}" in result.stdout
    page = report.read_text(encoding="utf-8")
    for section in ("数据量", "时效性", "数据质量", "地址匹配率", "数据共享", "超期未办的共享申请"):
        assert section in page, section
    assert page.count("<svg") >= 4 and "police" in page


def test_the_demo_applications_are_delivered_as_bundles_scoped_to_each_street(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, result = pipeline_run
    streets = [code for (code,) in lake_query(home, "SELECT street_code FROM lake.base.base_street")]
    match = re.search(r"^Exports: (\d+) bundles to (\d+) consumers, ([\d,]+) rows", result.stdout, re.MULTILINE)
    assert match, result.stdout[-3000:]
    assert int(match[1]) == len(streets) and int(match[2]) == len(streets)  # each street; civil affairs verifies
    exports = home / "exports"
    for street in streets:
        [parquet] = (exports / f"street_{street}").glob("*/application-*/snapshot-*/mart_block_stats.parquet")
        codes = duckdb.sql(f"SELECT DISTINCT street_code FROM read_parquet('{parquet}')").fetchall()
        assert codes == [(street,)]
    assert not (exports / "civil").exists()  # verification instead of a copy of the population


def test_civil_affairs_reviews_its_recipients_by_verification(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """The demo's 低保年审: every recipient in civil affairs' own list answered, most found with the same
    name; the answers carry no unmasked ID but the recipient's own, and the call is on record."""
    home, result = pipeline_run
    match = re.search(r"annual review \(低保年审\) \.\.\. ([\d,]+) recipients: 一致 ([\d,]+), 信息不一致 ([\d,]+), "
                      r"未找到 ([\d,]+), 号码无效 ([\d,]+)", result.stdout)
    assert match, result.stdout[-3000:]
    total, *counts = (int(group.replace(",", "")) for group in match.groups())
    recipients = lake_query(home, "SELECT count(DISTINCT upper(trim(\"身份证号码\"))) "
                                  "FROM lake.raw.civil__subsidy_recipient")[0][0]
    assert total == sum(counts) == recipients and counts[0] > 0.5 * total
    table = list(csv.reader(io.StringIO((home / "demo" / "civil-review.csv").read_text(encoding="utf-8-sig"))))
    assert table[0][:4] == ["身份证号码", "姓名", "核验结果", "姓名比对"] and len(table) == total + 1
    with db.session(f"sqlite:///{home / 'catalog' / 'catalog.sqlite'}") as session:
        persons = session.scalar(select(Resource).where(Resource.source_key == "base.base_person"))
        id_title = next(item.name for item in persons.items if item.column_name == "resident_id")
        masked = table[0].index(f"库中{id_title}")
        assert all(row[masked] == "" or row[masked].endswith("*" * 12) for row in table[1:])
        record = session.scalar(select(Verification).where(Verification.method == "batch"))
        assert record is not None and record.keys == total and len(record.key_digests) == total


def test_the_gate_finds_the_personal_data_no_declaration_names(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """The columns the security review found leaking (issue 17) are found in the values and masked; those
    the registry's data elements now declare (the grid worker's name and phone, the legal representative's
    name) are personal as declared, not as found."""
    home, _ = pipeline_run
    found = {(table, column): kind for table, column, kind in lake_query(
        home, "SELECT DISTINCT table_name, column_name, kind FROM lake.quality.pii_findings")}
    assert {("raw.education__student", "学籍号"): "resident_id",
            ("raw.disability__disabled_person", "残疾证号"): "resident_id",
            ("base.base_address_match", "record_key"): "resident_id",
            ("base.base_person", "residence_unit_code"): "person_unit"}.items() <= found.items()
    with sqlite3.connect(home / "catalog" / "catalog.sqlite") as con:
        items = {(key, column): (kind, bool(was_found)) for key, column, kind, was_found in con.execute(
            "SELECT r.source_key, i.column_name, i.sensitive, i.sensitive_found FROM data_item i JOIN resource r "
            "ON r.id = i.resource_id WHERE i.sensitive IS NOT NULL").fetchall()}
    assert items[("raw.education__student", "学籍号")] == ("resident_id", True)
    assert items[("base.base_person", "residence_unit_code")] == ("person_unit", True)
    assert {items[("raw.grid__grid_cell", "wgy_xm")], items[("raw.grid__grid_cell", "wgy_dh")],
            items[("raw.market__business_registration", "legal_rep_name")]} == {
        ("person_name", False), ("phone", False)}


def test_the_directory_shows_the_registry_titles_of_the_data_items(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """Data items are named by their data element's Chinese title, not the raw column (rkbh, xm, sfzh)."""
    home, _ = pipeline_run
    with sqlite3.connect(home / "catalog" / "catalog.sqlite") as con:
        items = {column: (name, code) for column, name, code in con.execute(
            "SELECT i.column_name, i.name, i.type_code FROM data_item i JOIN resource r ON r.id = i.resource_id "
            "WHERE r.source_key = 'raw.police__resident'").fetchall()}
    assert [items[c][0] for c in ("rkbh", "xm", "sfzh", "jzdz")] == ["人口编号", "姓名", "身份证号", "居住地址"]
    assert items["csrq"] == ("出生日期", "D")  # written as text (19850312), a date by its data element


def test_the_element_inventory_counts_by_data_element_not_column_name(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """A credit code named aab001 (the 人社 standard's code) is counted as one, by its data element."""
    home, _ = pipeline_run
    with sqlite3.connect(home / "catalog" / "catalog.sqlite") as con:
        elements = dict(con.execute("SELECT r.source_key || '.' || i.column_name, i.element FROM data_item i "
                                    "JOIN resource r ON r.id = i.resource_id WHERE r.layer = 'raw'").fetchall())
    assert elements["raw.hrss__social_insurance.aab001"] == "uscc"
    assert elements["raw.tax__taxpayer.nsrsbh"] == "uscc" and elements["raw.police__resident.sfzh"] == "resident_id"


def test_the_legal_entity_line_knows_every_table_that_mentions_an_entity(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """Every credit-code column the registry declares is an entity mention (tax, social insurance,
    employment, annual reports), with no list naming them."""
    home, _ = pipeline_run
    mentioned = {source for (sources,) in lake_query(home, "SELECT mentioned_in FROM lake.base.base_legal_entity")
                 for source in sources}
    assert {"market.business_registration", "tax.taxpayer", "hrss.social_insurance"} <= mentioned


def test_every_department_announced_its_publications_in_airflow(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """The department Assets exist in Airflow's database though each dag.test() after the first writes only
    its own DAG there (orchestration.pipeline._test)."""
    home, _ = pipeline_run
    with sqlite3.connect(f"file:{home / 'airflow' / 'airflow.db'}?mode=ro", uri=True) as con:
        announced = {name for (name,) in con.execute(
            "SELECT DISTINCT asset.name FROM asset_event JOIN asset ON asset.id = asset_event.asset_id")}
    assert {f"raw.{code}" for code in load_registry().departments} <= announced


def test_the_first_run_leaves_the_bureau_an_admin_key_to_log_in_with(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, result = pipeline_run
    path = home / "catalog" / "admin.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    plain = path.read_text(encoding="utf-8").strip()
    assert f"admin key    : {path}" in result.stdout and f"shown only this once: {plain}" in result.stdout
    assert re.search(r"log in\s+: open http://127\.0\.0\.1:\d+/login", result.stdout)
    with db.session(f"sqlite:///{home / 'catalog' / 'catalog.sqlite'}") as session:
        key = auth.find_key(session, plain)
        assert key is not None and auth.key_state(key) == "valid"
        assert (key.role, key.department.kind) == ("admin", "bureau")


def test_a_plain_duckdb_reads_base_person_at_its_published_snapshot(
        pipeline_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """Only what the README tells an analyst: a plain DuckDB runs ``<home>/published.sql``."""
    home, _ = pipeline_run
    (snapshot, rows), = lake_query(home, "SELECT arg_max(snapshot_id, published_at), arg_max(record_count, "
                                         "published_at) FROM lake.meta.published WHERE table_name = 'base.base_person'")
    assert lake_query(home, "SELECT id FROM lake.current_snapshot()")[0][0] > snapshot  # the lake has moved on since
    con = duckdb.connect()
    try:
        con.execute((home / "published.sql").read_text(encoding="utf-8"))
        assert con.execute("SELECT count(*) FROM base.base_person").fetchone()[0] == rows > 0
        definition = con.execute("SELECT sql FROM duckdb_views() WHERE schema_name = 'base' "
                                 "AND view_name = 'base_person'").fetchone()[0]
        assert f"AT (VERSION => {snapshot})" in definition
        with pytest.raises(duckdb.Error, match=r"(?i)read[- ]only"):
            con.execute("DELETE FROM lake.base.base_person")
    finally:
        con.close()
