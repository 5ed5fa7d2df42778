"""A department nobody wrote a line for, onboarded with ``blocklake discover`` and a person's review of the
YAML only: veterans affairs (synthetic/veterans.py), whose roll holds the district's residents under their
resident IDs — written with upper-case pinyin column names, dates as 19850312, phones as +86 138-…, home
addresses without province and city and with Chinese numerals — beside people who live elsewhere and IDs
nobody can use. After ``blocklake run`` its persons are in ``base_person`` under the keys they already had,
its unusable IDs merge with no one, its addresses are matched, its items carry Chinese titles, and its
personal items are masked."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bench import newdept
from bench.common import open_lake
from blocklake.settings import get_settings
from catalog import db, sharing
from catalog.api import create_app
from catalog.models import Department, Resource
from tests.conftest import started_early
from tests.reliability.conftest import consumer_key

pytestmark = pytest.mark.airflow

@pytest.fixture(scope="module")
def onboarded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    return started_early("onboarded", lambda: newdept.onboard(tmp_path_factory.mktemp("onboard")))


def test_its_residents_are_the_persons_the_district_already_knew(onboarded: tuple[Path, dict]) -> None:
    home, kinds = onboarded
    assert newdept.link_share(home, kinds) >= 0.98


def test_its_unusable_ids_merge_with_no_one(onboarded: tuple[Path, dict]) -> None:
    home, kinds = onboarded
    rows = open_lake(home).execute(
        "SELECT person_key, sources FROM lake.base.base_person WHERE person_key LIKE 'UNVERIFIED:%' "
        "AND list_contains(sources, 'veterans.special_care')").fetchall()
    assert {key.removeprefix("UNVERIFIED:") for key, _ in rows} == set(kinds["unusable"])
    assert all(sources == ["veterans.special_care"] for _, sources in rows)


def test_its_addresses_are_matched_to_units(onboarded: tuple[Path, dict]) -> None:
    home, _ = onboarded
    share, total = newdept.address_unit_share(home)
    assert total >= newdept.RESIDENTS and share >= 0.6


def test_its_items_have_chinese_titles_and_its_personal_items_are_masked(onboarded: tuple[Path, dict]) -> None:
    home, _ = onboarded
    with sqlite3.connect(home / "catalog" / "catalog.sqlite") as con:
        items = {column: (name, kind) for column, name, kind in con.execute(
            "SELECT i.column_name, i.name, i.sensitive FROM data_item i JOIN resource r ON r.id = i.resource_id "
            "WHERE r.source_key = 'raw.veterans__special_care'").fetchall()}
    assert items["GMSFHM"] == ("公民身份号码", "resident_id") and items["XM"] == ("姓名", "person_name")
    assert items["LXDH"][1] == "phone" and items["XZZ"] == ("现住址", "person_address")
    assert items["CSRQ"] == ("出生日期", None)


def test_its_personal_items_leave_masked_through_the_data_api(onboarded: tuple[Path, dict]) -> None:
    """A department granted every item of the new resource reads it through the data API: names, IDs,
    phones and home addresses come masked, as the data elements say."""
    home, kinds = onboarded
    patch = pytest.MonkeyPatch()
    patch.setenv("BLOCKLAKE_HOME", str(home))
    patch.setenv("BLOCKLAKE_REGISTRY_DIR", str(home.parent / "registry"))
    get_settings.cache_clear()
    try:
        key = consumer_key("reader")
        with db.session() as session:
            resource = session.scalar(select(Resource).where(Resource.source_key == "raw.veterans__special_care"))
            reader = session.scalar(select(Department).where(Department.code == "reader"))
            items = [item.column_name for item in resource.items]
            application = sharing.apply(session, resource, reader, sharing.ApplicationRequest(items, "优抚核查"))
            sharing.decide(session, application, resource.provider, approve=True, reason=None)
            code = resource.code
        with TestClient(create_app()) as client:
            rows = client.get(f"/api/data/{code}", headers={"X-API-Key": key}, params={"limit": 1000}).json()["rows"]
    finally:
        get_settings.cache_clear()
        patch.undo()
    assert len(rows) == newdept.RESIDENTS + newdept.OUTSIDERS + newdept.UNUSABLE
    assert all(re.fullmatch(r"\d{6}\*{12}", row["GMSFHM"]) for row in rows)
    assert all(row["XM"].endswith("*") and len(row["XM"]) == 2 for row in rows)
    assert all("****" in row["LXDH"] and not re.search(r"1[3-9]\d{9}", re.sub(r"\D", "", row["LXDH"]))
               for row in rows)
    assert all(row["XZZ"].endswith("…") for row in rows) and not set(kinds["residents"]) & {r["GMSFHM"] for r in rows}
