"""The PII scanner's rules on values of the kinds the security review met, and on look-alikes that are
not personal (division codes, building codes, order numbers, company addresses)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from stdnum import luhn

from blocklake import elements
from blocklake.identifiers import compact
from quality import pii

TODAY = date(2026, 10, 31)
ID = "11010519491231002X"  # GB 11643's own example
CARD = "6222021234567890" + luhn.calc_check_digit("6222021234567890")


def hits(rule: str, value: str) -> bool:
    text = value if rule in ("person_name", "person_address") else compact(value)
    return elements.PERSONAL_RULES[rule](text, TODAY)


@pytest.mark.parametrize(("rule", "value"), [
    ("resident_id", ID), ("resident_id", f"G{ID}"), ("resident_id", f"{ID}01"), ("resident_id", f"9{ID}"),
    ("resident_id", f"身份证：{ID}，已核验"), ("resident_id", "110105 1949 1231 002x"),
    ("resident_id", "440524800101001"),
    ("resident_id", "932682198501010017"), ("resident_id", "永居证号911124198108030024"),  # 2023 foreign IDs (NIA)
    ("mobile", "13912345678"), ("mobile", "联系人电话13912345678转"), ("mobile", "+8613912345678"),
    ("bank_card", CARD), ("bank_card", f"工资卡{CARD}"),
    ("person_name", "张三"), ("person_name", "欧阳娜娜"), ("person_name", "王小明"),
    ("person_address", "南山区粤海街道科技园社区科苑路15号3栋1203室"), ("person_address", "桃源村12栋602房"),
])
def test_what_the_rules_find(rule: str, value: str) -> None:
    assert hits(rule, value)


@pytest.mark.parametrize(("rule", "value"), [
    ("resident_id", "440305001001001"),  # a grid code: digits 7-12 read as 1900-10-01
    ("resident_id", "4403050010010010012"),  # a building code
    ("resident_id", "110105194912310021"),  # wrong check digit
    ("resident_id", "91440300MA5F12345X"),  # a USCC
    ("resident_id", "CAN110019810803"),  # a 2017 foreign permanent resident number: not a resident ID
    ("mobile", "440305001001001"), ("mobile", "213912345678"), ("mobile", "1391234567"),
    ("bank_card", "4403050010010010012"), ("bank_card", ID),
    ("person_name", "南山街道"), ("person_name", "有限公司"), ("person_name", "张三丰科技有限公司"),
    ("person_address", "南山区粤海街道"),
])
def test_what_they_leave_alone(rule: str, value: str) -> None:
    assert not hits(rule, value)


def test_a_scan_finds_undeclared_columns_and_skips_declared_ones() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT i AS id, 'G' || ? AS xjh, ? AS declared_id, "
                "'440305001001' || lpad(CAST(i % 9 AS VARCHAR), 3, '0') AS grid, "
                "'王' || chr(CAST(19968 + i % 50 AS INTEGER)) AS xm, 'note ' || i AS note FROM range(300) t(i)",
                [ID, ID])
    found = {(f.column, f.rule) for f in pii.scan(con, "raw.t", "t", {"declared_id": "resident_id"}, TODAY)}
    assert found == {("xjh", "resident_id"), ("xm", "person_name")}


def test_addresses_of_a_register_of_organisations_are_not_personal() -> None:
    con = duckdb.connect()
    uscc = "91350100M000100Y43"
    con.execute("CREATE TABLE firms AS SELECT ? AS uscc, '科苑路' || i || '号2栋' || (100 + i) || '室' AS address "
                "FROM range(100) t(i)", [uscc])
    assert pii.scan(con, "raw.firms", "firms", {}, TODAY) == []
    con.execute("CREATE TABLE homes AS SELECT '科苑路' || i || '号2栋' || (100 + i) || '室' AS address "
                "FROM range(100) t(i)")
    assert [f.rule for f in pii.scan(con, "raw.homes", "homes", {}, TODAY)] == ["person_address"]


def test_a_unit_code_is_personal_only_beside_a_person() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE units AS SELECT '4403050010010010012' || lpad(CAST(i AS VARCHAR), 4, '0') AS unit_code "
                "FROM range(100) t(i)")
    assert pii.scan(con, "base.units", "units", {}, TODAY) == []
    con.execute("CREATE TABLE people AS SELECT unit_code, 'p' || unit_code AS person_key FROM units")
    found = pii.scan(con, "base.people", "people", {"person_key": "resident_id"}, TODAY)
    assert [(f.column, f.kind) for f in found] == [("unit_code", "person_unit")]
