"""``blocklake discover`` on a department nobody wrote a line for: a veterans-affairs system whose columns
are upper-case pinyin initials, with dates as 19850312 and 2005年3月, phones as +86 138-0013-8000 and
addresses without province and city or with Chinese numerals; its roster as an Excel workbook with a
title row and a 合计 row; the same kind of table in PostgreSQL with COMMENT ON and in MySQL with column
comments. The proposal names each column's element from its values, titles it, finds keys and the
cursor, marks what a person must decide, and — run again after the source changed — lists the changes."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import psycopg
import pymysql
import pytest
import yaml

from blocklake.registry import Department, Registry
from blocklake.settings import get_settings
from ingestion.discover import Discovery, discover
from synthetic import housing
from synthetic.veterans import TABLE, people, write_department
from synthetic.veterans import TRUTH as veterans_truth
from tests.conftest import MYSQL_DSN, POSTGRES_DSN, require_service, sqlite_execute

ROWS = 300
EXPECTED = {column: element for (table, column), element in veterans_truth.items() if table == TABLE}


@pytest.fixture(scope="module")
def veterans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("veterans")
    write_department(root, ROWS)
    return root


def test_the_elements_are_found_in_the_values(veterans: Path) -> None:
    found = _discover(str(veterans / "veterans.sqlite"))
    table = found.tables[0]
    assert {column.name: column.element for column in table.columns} == EXPECTED
    columns = {column.name: column for column in table.columns}
    assert columns["CSRQ"].detection.format == "%Y%m%d" and columns["RWNY"].detection.format == "%Y年%m月"
    assert columns["GMSFHM"].title == "公民身份号码" and columns["XZZ"].title == "现住址"
    assert columns["GMSFHM"].evidence == f"{ROWS} of {ROWS} sampled values are checksum-valid resident IDs"
    assert table.primary_key == ["TYRYBH"] and table.cursor == "GXSJ"


def test_the_proposal_leaves_what_a_person_decides_undecided(veterans: Path, tmp_path: Path) -> None:
    """Written as YAML it does not load until classification and share type are decided; decided (the
    review, as a small explicit edit), it loads with the personal columns the values showed."""
    document = yaml.safe_load(_discover(str(veterans / "veterans.sqlite")).yaml)
    table = document["tables"][0]
    assert table["directory"] == {"classification": None, "share_type": None} and document["uscc"] is None
    document["uscc"] = "11440305MB2C5570X4"
    table.update(name="special_care", title="优抚对象")
    table["directory"] = {"classification": "3.09.001", "share_type": "有条件共享",
                          "share_conditions": "限优待抚恤核查"}
    department = Department.model_validate(document)
    assert department.tables[0].personal == {"XM": "person_name", "GMSFHM": "resident_id", "LXDH": "phone",
                                             "XZZ": "person_address"}


def test_an_excel_roster_has_its_title_row_and_total_row_found(veterans: Path) -> None:
    found = _discover(str(veterans / "roster"))
    sheet = found.tables[0].sample
    assert (sheet.object, sheet.header_row, sheet.rows, sheet.footer) == ("花名册", 3, ROWS, f"合计：{ROWS} 人")
    assert {c.name: c.element for c in found.tables[0].columns} == {
        "序号": "number", "姓名": "person_name", "身份证号": "resident_id", "联系电话": "phone", "家庭住址": "address"}
    assert found.tables[0].primary_key == ["序号"] or found.tables[0].primary_key == ["身份证号"]
    assert "footer_pattern:" in found.yaml and "header_row: 3" in found.yaml


@pytest.mark.postgres
def test_postgresql_column_comments_are_the_titles() -> None:
    require_service("PostgreSQL", lambda: psycopg.connect(POSTGRES_DSN, connect_timeout=3))
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS veterans CASCADE")
        con.execute("CREATE SCHEMA veterans")
        con.execute("CREATE TABLE veterans.yfdx (tyrybh text PRIMARY KEY, xm text, gmsfhm text, gxsj timestamp)")
        con.execute("COMMENT ON COLUMN veterans.yfdx.xm IS '优抚对象姓名'")
        con.cursor().executemany("INSERT INTO veterans.yfdx VALUES (%s, %s, %s, %s)",
                                 [(row[0], row[1], row[2], row[8]) for row in people(random.Random(5), ROWS)])
    found = _discover(POSTGRES_DSN, namespace="veterans")
    columns = {column.name: column for column in found.tables[0].columns}
    assert columns["xm"].title == "优抚对象姓名" and columns["gmsfhm"].element == "resident_id"
    assert found.tables[0].primary_key == ["tyrybh"] and found.tables[0].cursor == "gxsj"


@pytest.mark.mysql
def test_mysql_column_comments_and_keys_are_read() -> None:
    require_service("MariaDB", lambda: pymysql.connect(host="127.0.0.1", user="root", connect_timeout=3))
    con = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    with con.cursor() as cursor:
        cursor.execute("DROP DATABASE IF EXISTS veterans")
        cursor.execute("CREATE DATABASE veterans CHARACTER SET utf8mb4")
        cursor.execute("CREATE TABLE veterans.yfdx (TYRYBH VARCHAR(16) PRIMARY KEY, XM VARCHAR(20) COMMENT '姓名', "
                       "LXDH VARCHAR(32) COMMENT '联系电话')")
        cursor.executemany("INSERT INTO veterans.yfdx VALUES (%s, %s, %s)",
                           [(row[0], row[1], row[5]) for row in people(random.Random(7), ROWS)])
    con.close()
    found = _discover(f"{MYSQL_DSN.rsplit('/', 1)[0]}/veterans", namespace="veterans")
    columns = {column.name: column for column in found.tables[0].columns}
    assert (columns["XM"].title, columns["LXDH"].element) == ("姓名", "phone")
    assert found.tables[0].primary_key == ["TYRYBH"]


def test_a_changed_source_is_shown_as_changes(veterans: Path, tmp_path: Path) -> None:
    """Registered, then the source gains a column, loses one, and one column's values change kind."""
    document = yaml.safe_load(_discover(str(veterans / "veterans.sqlite"), code="veterans").yaml)
    document.update(uscc="11440305MB2C5570X4")
    document["tables"][0]["directory"] = {"classification": "3.09.001", "share_type": "无条件共享"}
    registry = Registry([Department.model_validate(document)], tmp_path)
    changed = tmp_path / "changed.sqlite"
    changed.write_bytes((veterans / "veterans.sqlite").read_bytes())
    sqlite_execute(changed, "ALTER TABLE YFDX ADD COLUMN HJDZ TEXT")
    sqlite_execute(changed, "UPDATE YFDX SET HJDZ = XZZ, LXDH = XM")  # phones now hold names
    sqlite_execute(changed, "ALTER TABLE YFDX DROP COLUMN FXJE")
    found = discover(str(changed), code="veterans", name=None, uscc=None, namespace=None, settings=get_settings(),
                     registry=registry)
    assert sorted((change.what, change.column) for change in found.changes or []) == [
        ("new column", "HJDZ"), ("retyped column", "LXDH"), ("vanished column", "FXJE")]


def test_the_command_writes_a_proposal_and_never_over_a_file(veterans: Path, tmp_path: Path) -> None:
    blocklake = str(Path(sys.executable).with_name("blocklake"))
    target = tmp_path / "veterans.yaml"
    command = [blocklake, "discover", str(veterans / "veterans.sqlite"), "--department", "veterans",
               "--name", "南山区退役军人事务局", "--output", str(target)]
    first = subprocess.run(command, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    assert "[1/1] YFDX: 300 rows, 9 columns" in first.stderr and "待定" in target.read_text(encoding="utf-8")
    again = subprocess.run(command, capture_output=True, text=True, check=False)
    assert again.returncode == 2 and "never overwrites" in again.stderr


def _discover(where: str, *, code: str = "veterans", namespace: str | None = None) -> Discovery:
    return discover(where, code=code, name="南山区退役军人事务局", uscc=None, namespace=namespace,
                    settings=get_settings(), registry=Registry([], Path(".")))


def test_bad_input_is_refused_with_a_clear_message_and_no_secret() -> None:
    blocklake = str(Path(sys.executable).with_name("blocklake"))
    refused = subprocess.run([blocklake, "discover", "postgresql://clerk:s3cret-pw@127.0.0.1:1/veterans",
                              "--department", "veterans"], capture_output=True, text=True, check=False)
    assert refused.returncode == 2 and "cannot open postgres://127.0.0.1:1/veterans" in refused.stderr
    assert "s3cret-pw" not in refused.stderr + refused.stdout
    named = subprocess.run([blocklake, "discover", "/nowhere", "--department", "Veterans Affairs"],
                           capture_output=True, text=True, check=False)
    assert named.returncode == 2 and "a department's code is lower-case letters" in named.stderr


def test_a_gb18030_export_with_english_names_of_its_own(tmp_path: Path) -> None:
    """The housing fund writes IDs in groups of four, mobiles with spaces, amounts as ¥1,200.00 and dates
    as 2019.03.12 and 2026年10月, under English names no dictionary was written for."""
    housing.write_department(tmp_path)
    found = _discover(str(tmp_path), code="housing")
    table = found.tables[0]
    assert {column.name: column.element for column in table.columns} == {
        column: element for (_, column), element in housing.TRUTH.items()}
    titles = {column.name: column.title for column in table.columns}
    assert (titles["id_card_no"], titles["home_addr"], titles["deposit_amt"]) == ("身份证号", "家庭地址", "缴存金额")
    assert table.primary_key == ["acct_no"] and "encoding: gb18030" in found.yaml
