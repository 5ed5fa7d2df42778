"""Every published resource of the tiny district, everything one department may receive of them together:
no full resident ID, mobile number or person's flat address leaves — alone, or rebuilt from a combination of
items (security review, findings 1–4, as a property over the whole directory).

A department applies for every item of every resource that may be shared (the conditional ones approved by
their providers) and reads all of it through the data API, which applies the one access policy
(:mod:`catalog.grants`). Knowledge only grows with items: a set of items that rebuilds nothing has no subset
that does. So each row about a person is attacked with the largest combination the department holds — all
of the row's items, together with every row of every other resource it joins to through a key (a value
unique in that resource's column) — and each such combination is counted as tried.

The attacks are the review's: an identifier in the clear; a masked resident ID filled from a birth date, the
sex and the check digit; a person's row that leads, directly or through a join (the unit code to the unit
table), to an address with a flat number. Full IDs are judged against the generator's truth, not against
the product's own detector."""

from __future__ import annotations

import itertools
import re
import sqlite3
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from stdnum.cn import ric, uscc

from blocklake.settings import get_settings
from blocklake.vocabulary import LINEAGE_COLUMNS
from catalog import db, sharing
from catalog.api import create_app
from catalog.models import Department, Resource
from tests.reliability.conftest import consumer_key
from tests.reliability.tally import TALLY

pytestmark = pytest.mark.airflow

RECEIVER = "linkage"
PERSON_KINDS = {"resident_id", "person_name", "phone"}  # a resource with one of these holds rows about persons
MOBILE = re.compile(r"(?<![0-9.])1[3-9][0-9]{9}(?![0-9.])")  # not inside a longer number or a decimal
ID_WINDOW = re.compile(r"(?=([0-9]{17}[0-9Xx]))")
# a door or building number, then a room: 3栋1203室, 10号金融创新园101, 2座8楼801房
FLAT = re.compile(r"[0-9]+(?:号|栋|幢|座|号楼)[^0-9]{0,8}(?:[0-9]+楼)?[0-9]{3,4}(?:室|房)?(?![0-9])")
UNIT_CODE = re.compile(r"[1-8][0-9]{22}")  # building (19) + floor and room: with the unit table, the flat
MASKED_UNIT = re.compile(r"[1-8][0-9]{18}\*{4}")
DATE = re.compile(r"^((?:19|20)[0-9]{2})-?([01][0-9])-?([0-3][0-9])")
MASKED_ID = re.compile(r"[0-9*]{17}[0-9Xx*]")
MAX_ENUMERATED = 4  # hidden digits left after the birth date: more than 10,000 candidates is no rebuild


@dataclass
class Received:
    code: str
    rows: list[dict]
    kinds: dict[str, str]  # item -> sensitive kind (declared or found in the values), for the masked items
    records: int  # what the directory says the published version holds
    organisations: bool = False  # a register of organisations (an item of USCCs): its addresses are not personal
    keys: dict[str, dict[str, int]] = field(default_factory=dict)  # column -> value -> row, for unique columns

    @property
    def about_persons(self) -> bool:
        return bool(PERSON_KINDS & set(self.kinds.values()))


@pytest.fixture(scope="module")
def received(tiny_district_run: tuple[Path, subprocess.CompletedProcess[str]],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Received]]:
    home, result = tiny_district_run
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    store = tmp_path_factory.mktemp("linkage") / "catalog.sqlite"  # a copy: this test's applications stay here
    with sqlite3.connect(home / "catalog" / "catalog.sqlite") as source, sqlite3.connect(store) as copy:
        source.backup(copy)
    patch = pytest.MonkeyPatch()
    patch.setenv("BLOCKLAKE_HOME", str(home))
    patch.setenv("BLOCKLAKE_CATALOG_DB", f"sqlite:///{store}")
    get_settings.cache_clear()
    try:
        key = consumer_key(RECEIVER)
        granted = _apply_for_everything()
        with TestClient(create_app()) as client:
            yield {code: _read_all(client, key, code, *resource) for code, resource in granted.items()}
    finally:
        get_settings.cache_clear()
        patch.undo()


def _apply_for_everything() -> dict[str, tuple[dict[str, str], int]]:
    """Every item of every resource that may be shared, approved; returns each resource's personal items'
    kinds and its records."""
    kinds = {}
    with db.session() as session:
        receiver = session.scalar(select(Department).where(Department.code == RECEIVER))
        for resource in session.scalars(select(Resource).where(Resource.active)):
            if resource.share_type == "不予共享" or resource.published_snapshot is None:
                continue
            items = [item.column_name for item in resource.items if item.column_name not in LINEAGE_COLUMNS]
            request = sharing.ApplicationRequest(items=items, purpose="链接攻击测试：全部信息项")
            application = sharing.apply(session, resource, receiver, request)
            if application.status == "pending":
                sharing.decide(session, application, resource.provider, approve=True, reason=None)
            kinds[resource.code] = ({item.column_name: item.sensitive for item in resource.items if item.sensitive},
                                    resource.record_count)
    return kinds


def _read_all(client: TestClient, key: str, code: str, kinds: dict[str, str], records: int) -> Received:
    rows, offset = [], 0
    while True:
        answer = client.get(f"/api/data/{code}", headers={"X-API-Key": key}, params={"limit": 1000, "offset": offset})
        assert answer.status_code == 200, (code, answer.text[:300])
        TALLY.add("requests_served")
        page = answer.json()
        assert set(page["masked"]) == set(kinds) & set(page["items"]), code  # every personal item masked
        rows += page["rows"]
        if len(page["rows"]) < 1000:
            break
        offset += 1000
    return _indexed(Received(code, rows, kinds, records))


def _indexed(resource: Received) -> Received:
    """Its join keys: unmasked columns whose values are unique, long enough to be a code rather than a count."""
    columns = resource.rows[0].keys() if resource.rows else []
    for column in columns:
        values = [str(row[column]) for row in resource.rows if row[column] is not None]
        if column in resource.kinds or len(values) < 2 or min(map(len, values)) < 6:
            continue
        if len(set(values)) == len(values):
            resource.keys[column] = {value: index for index, value in enumerate(values)}
        resource.organisations |= sum(1 for value in values if uscc.is_valid(value)) > len(values) / 2
    return resource


@pytest.fixture(scope="module")
def true_ids(tiny_district_run: tuple[Path, subprocess.CompletedProcess[str]]) -> set[str]:
    home, _ = tiny_district_run
    truth = pq.read_table(home / "sources" / "_truth" / "person_truth.parquet", columns=["true_id_number"])
    return {value for value in truth.column(0).to_pylist() if value}


def _combinations(received: dict[str, Received]) -> Iterator[tuple[Received, dict, list[tuple[Received, dict]]]]:
    """Each row about a person, with the rows of other resources it joins to (the largest combination)."""
    index: dict[str, list[tuple[Received, int]]] = defaultdict(list)
    for resource in received.values():
        for by_value in resource.keys.values():
            for value, row in by_value.items():
                index[value].append((resource, row))
    for resource in received.values():
        if not resource.about_persons:
            continue
        for row in resource.rows:
            joined = [(other, other.rows[number]) for value in row.values() if value is not None
                      for other, number in index.get(str(value), ()) if other is not resource]
            yield resource, row, joined


def test_no_full_identifier_is_received_in_the_clear(received: dict[str, Received], true_ids: set[str]) -> None:
    values = leaked = 0
    for resource in received.values():
        for row in resource.rows:
            for value in row.values():
                text = str(value) if value is not None else ""
                values += 1
                found = {window.upper() for window in ID_WINDOW.findall(text)} & true_ids
                leaked += bool(found) + bool(MOBILE.search(text))
    TALLY.add("pii_values_checked", values)
    TALLY.add("pii_leaks", leaked)
    assert values > 100_000 and leaked == 0


def test_no_combination_rebuilds_a_resident_id(received: dict[str, Received], true_ids: set[str]) -> None:
    tried = rebuilt = masked_ids = 0
    for resource, row, joined in _combinations(received):
        knowledge = [value for _, other in joined for value in other.values()] + list(row.values())
        for item, kind in resource.kinds.items():
            if kind != "resident_id" or not row.get(item):
                continue
            masked_ids += 1
            tried += 1 + len(joined)
            candidates = _rebuilt_ids(str(row[item]), knowledge)
            rebuilt += len(candidates) == 1 and bool(candidates & true_ids)
    TALLY.add("linkage_combinations_tried", tried)
    TALLY.add("pii_leaks", rebuilt)
    assert masked_ids > 1_000, masked_ids  # the district's persons are in what was received
    assert rebuilt == 0


def _rebuilt_ids(masked: str, knowledge: list) -> set[str]:
    """Every valid ID consistent with a masked ID and what else is known: each date known fills the birth
    digits, a sex known the parity of digit 17, the check digit follows. One candidate is a rebuilt ID."""
    if not MASKED_ID.fullmatch(masked):
        return {masked.upper()} if len(masked) == 18 and "*" not in masked else set()  # in full, or no ID
    births = {f"{m[1]}{m[2]}{m[3]}" for value in knowledge if value is not None
              and (m := DATE.match(value.isoformat() if isinstance(value, date) else str(value)))}
    sexes = {value for value in knowledge if value in ("男", "女")}
    candidates: set[str] = set()
    for birth in births or {None}:
        digits = list(masked[:17])
        if birth is not None and all(d in ("*", b) for d, b in zip(digits[6:14], birth, strict=True)):
            digits[6:14] = birth
        hidden = [index for index, digit in enumerate(digits) if digit == "*"]
        if len(hidden) > MAX_ENUMERATED:
            candidates.add("many")
            continue
        for fill in itertools.product("0123456789", repeat=len(hidden)):
            for index, digit in zip(hidden, fill, strict=True):
                digits[index] = digit
            if len(sexes) == 1 and (int(digits[16]) % 2 == 1) != (sexes == {"男"}):
                continue
            body = "".join(digits)
            candidates.add(body + ric.calc_check_digit(body + "?"))
    return candidates


def test_no_persons_row_leads_to_a_flat(received: dict[str, Received]) -> None:
    """A row about an identified person (one with a resident ID, masked) must not lead to the person's flat:
    neither an address with a room in the row or a row it joins to, nor a full unit code, which the unit
    table (shared in full) turns into building and room. Registers of organisations are left out, as
    rows and as joins: a company's registered address, and what it leads to, are the company's premises
    (its legal representative's ID is masked). The building may be known (for statistics)."""
    tried = leads = 0
    for resource, row, joined in _combinations(received):
        if resource.organisations or not any(kind == "resident_id" and row.get(item)
                                             for item, kind in resource.kinds.items()):
            continue
        tried += 1 + len(joined)
        rows = [row] + [other_row for other, other_row in joined if not other.organisations]
        reached = [value for one in rows for value in one.values() if isinstance(value, str)]
        leads += any(FLAT.search(value) or UNIT_CODE.fullmatch(value) for value in reached)
    TALLY.add("linkage_combinations_tried", tried)
    TALLY.add("pii_leaks", leads)
    assert tried > 1_000
    assert leads == 0


def test_the_district_is_received_whole(received: dict[str, Received]) -> None:
    """The attacks above ran on what a department really gets: every row of every resource that may be
    shared, and among them the unit table's flats in full (a building's rooms are not personal)."""
    assert {code: len(resource.rows) for code, resource in received.items()} == {
        code: resource.records for code, resource in received.items()}
    with db.session() as session:
        withheld = session.scalars(select(Resource.code).where(Resource.active, Resource.share_type == "不予共享"))
        assert set(withheld).isdisjoint(received)
        assert len(received) == session.scalar(select(func.count()).select_from(Resource).where(
            Resource.active, Resource.share_type != "不予共享", Resource.published_snapshot.is_not(None)))
    units = [resource for resource in received.values() if any(
        UNIT_CODE.fullmatch(value) for values in resource.keys.values() for value in values)]
    assert units, "no resource shares the unit table's codes: the flat attack would prove nothing"
    homes = sum(1 for resource in received.values() if resource.about_persons for row in resource.rows
                if any(isinstance(value, str) and MASKED_UNIT.fullmatch(value) for value in row.values()))
    assert homes > 1_000  # persons' homes are received, masked to the building
