"""A department nobody wrote a line for, onboarded with ``blocklake discover`` and a person's review of the
YAML only: veterans affairs (synthetic/veterans.py), whose roll holds the district's residents under their
resident IDs — written with upper-case pinyin column names, dates as 19850312, phones as +86 138-…, home
addresses without province and city and with Chinese numerals — beside people who live elsewhere and IDs
nobody can use. After ``blocklake run`` its persons are in ``base_person`` under the keys they already had,
its unusable IDs merge with no one, its addresses are matched, its items carry Chinese titles, and its
personal items are masked."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from blocklake.identifiers import compact, is_valid_resident_id
from blocklake.registry import Registry
from blocklake.settings import PROJECT_ROOT, get_settings
from ingestion.discover import discover
from synthetic import veterans

pytestmark = pytest.mark.airflow

RESIDENTS, OUTSIDERS, UNUSABLE = 240, 40, 20
NUMERALS = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))


def as_a_clerk_writes_it(address: str, number: int) -> str:
    """The district's address as the veterans system holds it: no province and city, and every other
    one with its door number in Chinese numerals (十号 for 10号)."""
    short = re.sub(r"^(广东省)?(深圳市)?(南山区)?", "", address)
    if number % 2:
        short = re.sub(r"([0-9]+)号", lambda m: "".join(NUMERALS[d] for d in m[1]) + "号", short, count=1)
    return short


@pytest.fixture(scope="module")
def onboarded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    root = tmp_path_factory.mktemp("onboard")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "BLOCKLAKE"))}
    env.update(BLOCKLAKE_HOME=str(root / "var"), BLOCKLAKE_REGISTRY_DIR=str(root / "registry"),
               BLOCKLAKE_DBT_PROJECT_DIR=str(root / "dbt_project"))
    shutil.copytree(PROJECT_ROOT / "ingestion" / "registry", root / "registry")
    shutil.copytree(PROJECT_ROOT / "dbt_project", root / "dbt_project",
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    blocklake = str(Path(sys.executable).with_name("blocklake"))
    subprocess.run([blocklake, "generate", "--scale", "tiny"], env=env, check=True, capture_output=True)
    kinds = _write_veterans(root / "var" / "sources", root / "veterans")
    document = yaml.safe_load(discover(str(root / "veterans" / "veterans.sqlite"), code="veterans",
                                       name="深圳市南山区退役军人事务局", uscc=None, namespace=None,
                                       settings=get_settings(), registry=Registry([], root)).yaml)
    _review(document)
    (root / "registry" / "veterans.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    env["BLOCKLAKE_CONN_VETERANS_DB"] = f"sqlite:///{root / 'veterans' / 'veterans.sqlite'}"
    run = subprocess.run([blocklake, "run", "--scale", "tiny", "--no-serve"], env=env, capture_output=True,
                         text=True, timeout=1200, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return root / "var", kinds


def _write_veterans(sources: Path, folder: Path) -> dict[str, list[str]]:
    """The roll: residents of the district (their ID, name and home address from the police register),
    people who live elsewhere, and IDs with a broken check digit. Returns the IDs of each kind."""
    with sqlite3.connect(sources / "police.sqlite") as con:
        residents = [(sfzh, xm, jzdz) for sfzh, xm, jzdz in con.execute(
            "SELECT sfzh, xm, jzdz FROM resident WHERE jzdz LIKE '%号%' ORDER BY rkbh").fetchall()
            if len(sfzh) == 18 and is_valid_resident_id(sfzh)][:RESIDENTS]
    rows = veterans.write_department(folder, RESIDENTS + OUTSIDERS + UNUSABLE, ids=[r[0] for r in residents])
    unusable = []
    with sqlite3.connect(folder / "veterans.sqlite") as con:
        for number, (sfzh, name, address) in enumerate(residents):
            written = as_a_clerk_writes_it(address, number)
            con.execute("UPDATE YFDX SET XM = ?, XZZ = ? WHERE GMSFHM = ?", (name, written, sfzh))
        for row in rows[RESIDENTS + OUTSIDERS:]:
            broken = row[2][:17] + ("0" if row[2][17] != "0" else "1")
            con.execute("UPDATE YFDX SET GMSFHM = ? WHERE TYRYBH = ?", (broken, row[0]))
            unusable.append(broken)
    # as the district's persons line keys them: half-width digits, upper-case X (police writes some otherwise)
    return {"residents": [compact(r[0]) for r in residents],
            "outsiders": [r[2] for r in rows[RESIDENTS:RESIDENTS + OUTSIDERS]], "unusable": unusable}


def _review(document: dict) -> None:
    """What the person reviewing the proposal decides: the 待定 fields, nothing else."""
    document["uscc"] = "11440305MB2C5570X4"
    table = document["tables"][0]
    table.update(name="special_care", title="优抚对象")
    table["directory"] = {"classification": "3.09.001", "share_type": "有条件共享",
                          "share_conditions": "限优待抚恤和帮扶核查使用"}


def _lake(home: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("LOAD ducklake; LOAD sqlite")
    lake = home / "lake"
    con.execute(f"ATTACH 'ducklake:sqlite:{lake}/catalog.sqlite' AS lake (DATA_PATH '{lake}/data/', READ_ONLY)")
    return con


def test_its_residents_are_the_persons_the_district_already_knew(onboarded: tuple[Path, dict]) -> None:
    home, kinds = onboarded
    con = _lake(home)
    known = {key for (key,) in con.execute(
        "SELECT person_key FROM lake.base.base_person WHERE list_contains(sources, 'veterans.special_care') "
        "AND len(sources) > 1").fetchall()}
    linked = len(known & set(kinds["residents"])) / len(kinds["residents"])
    print(f"newdept_link_share {linked:.4f}")
    assert linked >= 0.98


def test_its_unusable_ids_merge_with_no_one(onboarded: tuple[Path, dict]) -> None:
    home, kinds = onboarded
    rows = _lake(home).execute(
        "SELECT person_key, sources FROM lake.base.base_person WHERE person_key LIKE 'UNVERIFIED:%' "
        "AND list_contains(sources, 'veterans.special_care')").fetchall()
    assert {key.removeprefix("UNVERIFIED:") for key, _ in rows} == set(kinds["unusable"])
    assert all(sources == ["veterans.special_care"] for _, sources in rows)


def test_its_addresses_are_matched_to_units(onboarded: tuple[Path, dict]) -> None:
    home, _ = onboarded
    matched, total = _lake(home).execute(
        "SELECT count(*) FILTER (WHERE unit_code IS NOT NULL), count(*) FROM lake.base.base_address_match "
        "WHERE source = 'veterans.special_care'").fetchone()
    print(f"newdept_address_unit_share {matched / total:.4f}")
    assert total >= RESIDENTS and matched / total >= 0.6


def test_its_items_have_chinese_titles_and_its_personal_items_are_masked(onboarded: tuple[Path, dict]) -> None:
    home, _ = onboarded
    with sqlite3.connect(home / "catalog" / "catalog.sqlite") as con:
        items = {column: (name, kind) for column, name, kind in con.execute(
            "SELECT i.column_name, i.name, i.sensitive FROM data_item i JOIN resource r ON r.id = i.resource_id "
            "WHERE r.source_key = 'raw.veterans__special_care'").fetchall()}
    assert items["GMSFHM"] == ("公民身份号码", "resident_id") and items["XM"] == ("姓名", "person_name")
    assert items["LXDH"][1] == "phone" and items["XZZ"] == ("现住址", "person_address")
    assert items["CSRQ"] == ("出生日期", None)
