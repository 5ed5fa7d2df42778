"""Onboarding a department nobody wrote for, end to end: the district is generated, a veterans-affairs
roll (synthetic/veterans.py) is written holding the district's residents as the police register has them
— with their home addresses as a clerk writes them (no province and city, door numbers in Chinese
numerals) — beside people who live elsewhere and IDs nobody can use; ``blocklake discover`` proposes its
entry, a review decides the 待定 fields only, and ``blocklake run`` builds everything. Shared by
``tests/integration/test_new_department.py`` and ``bench.discover`` (``newdept_link_share``)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

from bench.common import open_lake
from blocklake.identifiers import compact, is_valid_resident_id
from blocklake.registry import Registry
from blocklake.settings import PROJECT_ROOT, get_settings
from ingestion.discover import discover
from synthetic import veterans

RESIDENTS, OUTSIDERS, UNUSABLE = 240, 40, 20
NUMERALS = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))


def as_a_clerk_writes_it(address: str, number: int) -> str:
    """The district's address as the veterans system holds it: no province and city, and every other
    one with its door number in Chinese numerals (十号 for 10号)."""
    short = re.sub(r"^(广东省)?(深圳市)?(南山区)?", "", address)
    if number % 2:
        short = re.sub(r"([0-9]+)号", lambda m: "".join(NUMERALS[d] for d in m[1]) + "号", short, count=1)
    return short


def onboard(root: Path) -> tuple[Path, dict[str, list[str]]]:
    """Run the whole onboarding under ``root``; returns the run's home and the roll's IDs by kind."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "BLOCKLAKE"))}
    env.update(BLOCKLAKE_HOME=str(root / "var"), BLOCKLAKE_REGISTRY_DIR=str(root / "registry"),
               BLOCKLAKE_DBT_PROJECT_DIR=str(root / "dbt_project"))
    shutil.copytree(PROJECT_ROOT / "ingestion" / "registry", root / "registry")
    shutil.copytree(PROJECT_ROOT / "dbt_project", root / "dbt_project",
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    blocklake = str(Path(sys.executable).with_name("blocklake"))
    subprocess.run([blocklake, "generate", "--scale", "tiny"], env=env, check=True, capture_output=True)
    kinds = write_roll(root / "var" / "sources", root / "veterans")
    document = yaml.safe_load(discover(str(root / "veterans" / "veterans.sqlite"), code="veterans",
                                       name="深圳市南山区退役军人事务局", uscc=None, namespace=None,
                                       settings=get_settings(), registry=Registry([], root)).yaml)
    review(document)
    (root / "registry" / "veterans.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    env["BLOCKLAKE_CONN_VETERANS_DB"] = f"sqlite:///{root / 'veterans' / 'veterans.sqlite'}"
    run = subprocess.run([blocklake, "run", "--scale", "tiny", "--no-serve"], env=env, capture_output=True,
                         text=True, timeout=1200, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"blocklake run failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    return root / "var", kinds


def write_roll(sources: Path, folder: Path) -> dict[str, list[str]]:
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


def review(document: dict) -> None:
    """What the person reviewing the proposal decides: the 待定 fields, nothing else."""
    document["uscc"] = "11440305MB2C5570X4"
    table = document["tables"][0]
    table.update(name="special_care", title="优抚对象")
    table["directory"] = {"classification": "3.09.001", "share_type": "有条件共享",
                          "share_conditions": "限优待抚恤和帮扶核查使用"}


def link_share(home: Path, kinds: dict[str, list[str]]) -> float:
    """Of the roll's district residents, the share found in base_person under the key the district gave
    them, with the veterans' record among its sources."""
    known = {key for (key,) in open_lake(home).execute(
        "SELECT person_key FROM lake.base.base_person WHERE list_contains(sources, 'veterans.special_care') "
        "AND len(sources) > 1").fetchall()}
    return len(known & set(kinds["residents"])) / len(kinds["residents"])


def address_unit_share(home: Path) -> tuple[float, int]:
    """Of the roll's addresses, the share matched to a unit, and how many there are."""
    matched, total = open_lake(home).execute(
        "SELECT count(*) FILTER (WHERE unit_code IS NOT NULL), count(*) FROM lake.base.base_address_match "
        "WHERE source = 'veterans.special_care'").fetchone()
    return matched / total if total else 0.0, total
