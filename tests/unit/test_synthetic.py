"""The synthetic district generator: sizes, determinism, codes, file formats and the ground truth."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook
from stdnum.cn import ric, uscc

from blocklake.errors import ConfigError
from synthetic import GenerateConfig, GenerateReport, generate
from synthetic.departments import DEPARTMENTS
from synthetic.divisions import DIVISIONS_CSV

SEED = 440305
HEADER_ROW = 3  # Excel sheets: title, filed-by line, then headers


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> GenerateReport:
    return generate(GenerateConfig(out_dir=tmp_path_factory.mktemp("tiny"), scale="tiny", seed=SEED))


@pytest.fixture(scope="module")
def manifest(tiny: GenerateReport) -> dict[str, Any]:
    return json.loads(tiny.manifest.read_text(encoding="utf-8"))


def _entries(manifest: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["department"], e["table"]): e for e in manifest["tables"]}


def read_rows(out_dir: Path, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """A source table's rows as dicts, read the way each kind of source is read."""
    path = out_dir / entry["location"]
    if entry["kind"] == "csv":
        encoding = "gbk" if entry["department"] == "education" else "utf-8-sig"
        with path.open(encoding=encoding, newline="") as handle:
            return list(csv.DictReader(handle))
    if entry["kind"] == "excel":
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(entry["sheet"]).to_python()
        header, data = rows[HEADER_ROW - 1], rows[HEADER_ROW:-1]  # the last row is the 合计 footer
        return [dict(zip(header, row, strict=True)) for row in data]
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(f'SELECT * FROM "{entry["table"]}"')]


def _keys(out_dir: Path, entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    spec = next(
        t for d in DEPARTMENTS for t in d.tables if d.code == entry["department"] and t.name == entry["table"]
    )
    return {"|".join(_text(row[k]) for k in spec.key): row for row in read_rows(out_dir, entry)}


def _text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) else str(value)  # Excel numbers come back as floats


def _normalised_id(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").upper()


def _content_hashes(out_dir: Path) -> dict[str, str]:
    """Per data file: a hash of its bytes, or of its ordered rows for SQLite (file bytes may differ)."""
    hashes = {}
    for path in sorted(out_dir.rglob("*")):
        if path.suffix == ".sqlite":
            with sqlite3.connect(path) as db:
                for (table,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                ):
                    rows = db.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
                    hashes[f"{path.name}:{table}"] = hashlib.sha256(repr(rows).encode()).hexdigest()
        elif path.suffix in (".csv", ".xlsx", ".parquet"):
            hashes[str(path.relative_to(out_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def test_report_covers_all_departments_and_tables(tiny: GenerateReport) -> None:
    assert len({t.department for t in tiny.tables}) >= 10
    assert len(tiny.tables) >= 25
    assert all(t.rows > 0 for t in tiny.tables), [t for t in tiny.tables if t.rows == 0]


def test_tiny_has_about_twenty_thousand_rows(tiny: GenerateReport, manifest: dict[str, Any]) -> None:
    assert 15_000 <= tiny.total_rows <= 25_000
    assert manifest["total_rows"] == tiny.total_rows
    assert manifest["scale"] == "tiny" and manifest["seed"] == SEED and manifest["as_of"] == "2026-10-31"


def test_reported_counts_match_the_sources(tiny: GenerateReport, manifest: dict[str, Any]) -> None:
    counts = {key: len(read_rows(tiny.out_dir, entry)) for key, entry in _entries(manifest).items()}
    assert counts == {(t.department, t.table): t.rows for t in tiny.tables}


def test_same_seed_gives_identical_data_and_another_seed_differs(
    tiny: GenerateReport, tmp_path: Path
) -> None:
    again = generate(GenerateConfig(out_dir=tmp_path / "again", scale="tiny", seed=SEED))
    other = generate(GenerateConfig(out_dir=tmp_path / "other", scale="tiny", seed=SEED + 1))
    first = _content_hashes(tiny.out_dir)
    database_tables = sum(len(d.tables) for d in DEPARTMENTS if d.is_database)
    assert len(first) == database_tables + 5 + 1 + 5  # + CSV files, the workbook, truth files (changes too)
    assert _content_hashes(again.out_dir) == first
    differing = [name for name, digest in _content_hashes(other.out_dir).items() if first.get(name) != digest]
    assert "police.sqlite:resident" in differing and "education/student.csv" in differing


def test_unit_codes_nest_in_official_divisions(tiny: GenerateReport, manifest: dict[str, Any]) -> None:
    with DIVISIONS_CSV.open(encoding="utf-8") as handle:
        divisions = {row["code"]: row for row in csv.DictReader(handle)}
    units = pq.read_table(tiny.out_dir / "_truth" / "units.parquet").to_pylist()
    for unit in units:
        code = unit["unit_code"]
        assert len(code) == 23 and code.isdigit(), code
        assert code.startswith(unit["building_code"]) and len(unit["building_code"]) == 19
        assert unit["building_code"].startswith(unit["grid_code"]) and len(unit["grid_code"]) == 15
        assert unit["grid_code"].startswith(unit["community_code"])
        assert divisions[unit["community_code"]]["level"] == "community"
        assert divisions[unit["community_code"]]["parent_code"] == unit["street_code"] + "000"
    std_units = read_rows(tiny.out_dir, _entries(manifest)["natres", "std_unit"])
    assert {u["unit_code"] for u in std_units} == {u["unit_code"] for u in units}
    communities = {u["community_code"] for u in units}
    assert len(communities) >= 100  # every real community of the district has buildings


def test_education_files_are_gbk(tiny: GenerateReport) -> None:
    for name in ("student.csv", "school.csv"):
        raw = (tiny.out_dir / "education" / name).read_bytes()
        assert raw.decode("gbk").startswith("学")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


def test_health_files_are_utf8_with_bom(tiny: GenerateReport) -> None:
    raw = (tiny.out_dir / "health" / "family_doctor_signing.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.decode("utf-8-sig").startswith("签约编号,姓名,身份证号")


def test_civil_workbook_has_report_layout(tiny: GenerateReport, manifest: dict[str, Any]) -> None:
    book = CalamineWorkbook.from_path(str(tiny.out_dir / "civil" / "民政救助名册.xlsx"))
    assert book.sheet_names == ["救助对象", "独居老人"]
    for sheet in book.sheet_names:
        rows = book.get_sheet_by_name(sheet).to_python()
        assert rows[0][0] == f"南山区2026年10月{sheet}名册"
        assert rows[1][0] == "填报单位：南山区民政局    填报日期：2026年11月3日"
        assert rows[2][0] == "序号"
        assert rows[-1][0] == f"合计：{len(rows) - 4} 人"
    starts = [
        row["起始日期"] for row in read_rows(tiny.out_dir, _entries(manifest)["civil", "subsidy_recipient"])
    ]
    kinds = Counter(type(value).__name__ for value in starts)
    assert kinds["date"] > kinds["str"] > 0  # mostly date cells, some typed as text like 2025.3


def test_resident_id_validity_matches_truth(tiny: GenerateReport) -> None:
    truth = pq.read_table(tiny.out_dir / "_truth" / "person_truth.parquet").to_pylist()
    assert len(truth) > 5_000
    invalid_share = sum(not row["id_valid"] for row in truth) / len(truth)
    assert 0.01 <= invalid_share <= 0.05
    assert all(ric.is_valid(row["true_id_number"]) for row in truth)
    assert all(ric.is_valid(_normalised_id(row["id_as_written"])) == row["id_valid"] for row in truth)
    legacy = [row for row in truth if len(_normalised_id(row["id_as_written"])) == 15]
    assert legacy, "some IDs should be written in the 15-digit legacy form"
    assert any(
        row["id_as_written"] != row["true_id_number"] and row["id_valid"] for row in truth
    )  # formatting


def test_people_appear_across_departments(tiny: GenerateReport) -> None:
    truth = pq.read_table(tiny.out_dir / "_truth" / "person_truth.parquet").to_pylist()
    departments_per_person: dict[int, set[str]] = {}
    for row in truth:
        departments_per_person.setdefault(row["person_id"], set()).add(row["department"])
    assert max(len(found) for found in departments_per_person.values()) >= 4
    registered = Counter(row["person_id"] for row in truth if row["table"] == "resident")
    twice = sum(1 for count in registered.values() if count == 2)
    assert 0.002 * len(registered) <= twice <= 0.01 * len(registered)


def _truth_rows(out_dir: Path, name: str) -> Iterator[dict[str, Any]]:
    yield from pq.read_table(out_dir / "_truth" / f"{name}.parquet").to_pylist()


@pytest.mark.parametrize(
    ("truth", "text_column", "tables"),
    [("address_truth", "address_text", 15), ("person_truth", "id_as_written", 12)],
)
def test_every_truth_record_is_in_its_source(
    tiny: GenerateReport, manifest: dict[str, Any], truth: str, text_column: str, tables: int
) -> None:
    entries = _entries(manifest)
    sources: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    checked = 0
    for row in _truth_rows(tiny.out_dir, truth):
        key = (row["department"], row["table"])
        if key not in sources:
            sources[key] = _keys(tiny.out_dir, entries[key])
        record = sources[key].get(row["record_key"])
        assert record is not None, row
        assert _text(record[row["column"]]) == row[text_column], row
        checked += 1
    assert checked > 5_000 and len(sources) == tables


def test_fake_address_companies(tiny: GenerateReport, manifest: dict[str, Any]) -> None:
    companies = list(_truth_rows(tiny.out_dir, "company_truth"))
    registrations = _keys(tiny.out_dir, _entries(manifest)["market", "business_registration"])
    assert {c["uscc"] for c in companies} == set(registrations)
    fakes = [c for c in companies if c["fake_address"]]
    assert {c["reason"] for c in fakes} == {"nonexistent_address", "shared_address_cluster"}
    cluster = Counter(c["true_unit_code"] for c in fakes if c["reason"] == "shared_address_cluster")
    assert 20 <= max(cluster.values()) <= 80
    nowhere = {c["uscc"] for c in fakes if c["reason"] == "nonexistent_address"}
    assert all(c["true_unit_code"] is None for c in fakes if c["uscc"] in nowhere)
    written = [
        a
        for a in _truth_rows(tiny.out_dir, "address_truth")
        if a["table"] == "business_registration" and a["record_key"] in nowhere
    ]
    assert written and not any(a["exists"] for a in written)
    insured = Counter(
        r["aab001"] for r in read_rows(tiny.out_dir, _entries(manifest)["hrss", "social_insurance"])
    )
    shells = [c["uscc"] for c in fakes if c["reason"] == "shared_address_cluster"]
    assert sum(insured[u] for u in shells) == 0


def test_uscc_check_characters(tiny: GenerateReport) -> None:
    companies = list(_truth_rows(tiny.out_dir, "company_truth"))
    assert all(uscc.is_valid(c["uscc"]) == c["uscc_valid"] for c in companies)
    assert 0 < sum(not c["uscc_valid"] for c in companies) <= 0.03 * len(companies)


def test_hotline_lifecycle_is_ordered(tiny: GenerateReport, manifest: dict[str, Any]) -> None:
    tickets = read_rows(tiny.out_dir, _entries(manifest)["hotline", "hotline_ticket"])
    stages = ("received_at", "dispatched_at", "replied_at", "closed_at")
    for ticket in tickets:
        times = [ticket[s] for s in stages if ticket[s] is not None]
        assert times == sorted(times), ticket
        assert (ticket["closed_at"] is not None) == (ticket["status"] == "已办结")
    old = [t for t in tickets if t["received_at"] < "2026-08-01"]
    assert sum(t["status"] == "已办结" for t in old) / len(old) >= 0.97


def test_water_meters_point_mostly_to_the_right_unit(tiny: GenerateReport, manifest: dict[str, Any]) -> None:
    meters = read_rows(tiny.out_dir, _entries(manifest)["water", "water_meter"])
    truth = {
        a["record_key"]: a["true_unit_code"]
        for a in _truth_rows(tiny.out_dir, "address_truth")
        if a["table"] == "water_meter"
    }
    right = sum(m["unit_code"] == truth[m["meter_no"]] for m in meters) / len(meters)
    missing = sum(m["unit_code"] is None for m in meters) / len(meters)
    assert 0.6 <= right <= 0.8 and 0.08 <= missing <= 0.22


def test_bad_arguments_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown scale"):
        GenerateConfig(out_dir=tmp_path, scale="huge")
    with pytest.raises(ConfigError, match="seed"):
        GenerateConfig(out_dir=tmp_path, seed=-1)
    with pytest.raises(ConfigError, match="mysql_dsn"):
        GenerateConfig(out_dir=tmp_path, mysql_dsn="127.0.0.1:3306")
