"""Personal data that no declaration names (security review, findings 2 and 4): a department's table whose
registry entry declares nothing personal, yet whose student numbers are "G" + a resident ID, whose
certificate numbers are an ID + 2 digits, whose notes quote mobile numbers, and which lists names and
bank cards. The gate finds each in the values and records the evidence, the directory marks the items,
and neither the data API, nor /api/sql, nor a bundle hands out one full identifier."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from stdnum import luhn
from stdnum.cn import ric

from blocklake import lake
from blocklake.identifiers import is_valid_resident_id
from blocklake.settings import get_settings
from catalog import db
from catalog.api import create_app
from catalog.models import Resource
from exports.service import export_application
from tests.conftest import TEST_USCC, SourceDepartment, registered_lake, sqlite_execute
from tests.reliability.conftest import consumer_key
from tests.reliability.tally import TALLY

TABLE = "raw.alpha__students"
ROWS = 120
TABLES = [{"name": "students", "title": "学生名册", "object": "students", "primary_key": ["id"],
           "directory": {"classification": "2.05.001", "share_type": "无条件共享"}}]  # nothing declared personal
EXPECTED = {"学籍号": "resident_id", "残疾证号": "resident_id", "备注": "phone", "姓名": "person_name",
            "工资卡号": "bank_card"}


def resident_id(rng: random.Random) -> str:
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(20_000))
    body = f"440305{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "?")  # stdnum drops the last character: the check digit


def bank_card(rng: random.Random) -> str:
    body = "622202" + "".join(rng.choice("0123456789") for _ in range(12))
    return body + luhn.calc_check_digit(body)


def _write_sources(source: Path) -> list[tuple]:
    rng = random.Random(17)
    rows = [(i, f"G{resident_id(rng)}", f"{resident_id(rng)}{i % 7 + 1:02d}",
             f"家长联系13{rng.randrange(5, 10)}{rng.randrange(10**8):08d}，周末在家", rng.choice("王李张刘陈") + "小明",
             bank_card(rng), f"{440305001001 + i % 9}") for i in range(1, ROWS + 1)]
    sqlite_execute(source, "CREATE TABLE students (id INTEGER, 学籍号 TEXT, 残疾证号 TEXT, 备注 TEXT, 姓名 TEXT, "
                           "工资卡号 TEXT, 社区 TEXT)")
    sqlite_execute(source, "INSERT INTO students VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return rows


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("undeclared")
    _write_sources(root / "alpha.sqlite")
    with registered_lake(root, {"alpha": SourceDepartment(TEST_USCC, root / "alpha.sqlite", TABLES)},
                         EXPORT_ROOT=str(root / "exports")):
        yield root


@pytest.fixture(scope="module")
def beta_key(home: Path) -> str:
    return consumer_key()


@pytest.fixture(scope="module")
def client(home: Path) -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


def leaks(text: str) -> list[str]:
    """Full identifiers in ``text``: a valid resident ID in any 18-character window, a mobile, a card."""
    ids = [w for w in re.findall(r"(?=([0-9]{17}[0-9X]))", text) if is_valid_resident_id(w, allow_legacy=False)]
    # (a hex pseudonym holds digit runs too: a letter next to the digits ends a number as a digit does)
    mobiles = re.findall(r"(?<![0-9a-f])1[3-9][0-9]{9}(?![0-9a-f])", text)
    cards = [c for c in re.findall(r"(?<![0-9a-f])622202[0-9]{13}(?![0-9a-f])", text) if luhn.is_valid(c)]
    return ids + mobiles + cards


def test_the_gate_finds_what_no_declaration_names_and_says_why(home: Path) -> None:
    con = lake.connect(get_settings(), read_only=True)
    try:
        found = dict(con.execute("SELECT column_name, kind FROM lake.quality.pii_findings WHERE table_name = ?",
                                 [TABLE]).fetchall())
        evidence = [row[0] for row in con.execute(
            "SELECT evidence FROM lake.quality.pii_findings WHERE table_name = ? ORDER BY column_name", [TABLE])
            .fetchall()]
    finally:
        con.close()
    assert found == EXPECTED
    assert any(e.startswith("学籍号: 100% of 120 sampled values embed a valid resident ID") for e in evidence)
    TALLY.add("undeclared_pii_columns_found", len(found))
    with db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.source_key == TABLE))
        items = {item.column_name: (item.sensitive, item.sensitive_found) for item in resource.items}
    assert {column: kind for column, (kind, was_found) in items.items() if was_found} == EXPECTED
    assert items["社区"] == (None, False)  # a division code is not a legacy resident ID


def test_no_path_hands_out_a_full_identifier(client: TestClient, beta_key: str, home: Path) -> None:
    with db.session() as session:
        code = session.scalar(select(Resource.code).where(Resource.source_key == TABLE))
    headers = {"X-API-Key": beta_key}
    filed = client.post("/api/applications", headers=headers,
                        json={"resource_code": code, "items": [*EXPECTED, "社区"], "purpose": "核查"}).json()
    assert filed["status"] == "approved"

    api = client.get(f"/api/data/{code}", headers=headers, params={"limit": 1000})
    assert api.status_code == 200 and len(api.json()["rows"]) == ROWS
    assert sorted(api.json()["masked"]) == sorted(EXPECTED)
    sql = client.post("/api/sql", headers=headers, json={"query": f"SELECT * FROM {TABLE}", "limit": 1000})
    assert sql.status_code == 200 and len(sql.json()["rows"]) == ROWS
    result = export_application(filed["id"])
    assert result is not None and result.status == "delivered"
    bundle = "\n".join(str(pq.read_table(path).to_pylist()) for path in Path(result.location).rglob("*.parquet"))
    bundle += "\n".join(path.read_text(encoding="utf-8", errors="replace")
                        for path in Path(result.location).rglob("*") if path.suffix in (".sql", ".csv", ".json"))

    found = {"api": leaks(api.text), "sql": leaks(sql.text), "bundle": leaks(bundle)}
    TALLY.add("pii_values_checked", ROWS * 4 * 3)
    TALLY.add("pii_leaks", sum(map(len, found.values())))
    assert found == {"api": [], "sql": [], "bundle": []}
