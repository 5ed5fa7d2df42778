"""No combination of items one department receives rebuilds a full resident ID or a person's flat
(security review, findings 1 and 3). A department is granted every item of a person register (masked ID,
birth date, sex, name, the unit code of the home) and of the freely shared unit table (unit code and
full address), and tries the attacks the review used on every combination of them: filling the mask's
hidden digits from the birth date, sex and the check digit, and joining the person's unit code to the
unit table."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from stdnum.cn import ric

from blocklake.identifiers import is_valid_resident_id
from catalog import auth, db
from catalog.api import create_app
from catalog.models import Department, Resource
from tests.conftest import TEST_USCC, SourceDepartment, registered_lake, sqlite_execute
from tests.reliability.tally import TALLY

PEOPLE, UNITS = "raw.alpha__people", "raw.alpha__units"
BUILDING = "4403050010010010012"
TABLES = [
    {"name": "people", "title": "实有人口", "object": "people", "primary_key": ["id"],
     "sensitive": {"sfzh": "resident_id", "xm": "person_name"},  # the unit code is not declared
     "directory": {"classification": "1.01.001", "share_type": "无条件共享"}},
    {"name": "units", "title": "房屋", "object": "units", "primary_key": ["unit_code"],
     "directory": {"classification": "1.02.001", "share_type": "无条件共享"}},
]


def _write_sources(source: Path) -> dict[str, tuple[str, str]]:
    """Returns each person's true ID and flat address, to check the attacks against."""
    rng = random.Random(5)
    units = [(f"{BUILDING}{floor:02d}{room:02d}", f"科苑路15号2栋{floor}{room:02d}室")
             for floor in range(1, 9) for room in range(1, 5)]
    truth, people = {}, []
    for number in range(1, 61):
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
        body = f"440305{born:%Y%m%d}{rng.randrange(1000):03d}"
        sfzh = body + ric.calc_check_digit(body + "?")
        unit, address = rng.choice(units)
        sex = "男" if int(sfzh[16]) % 2 else "女"
        people.append((number, rng.choice("王李张") + "某", sfzh, born.isoformat(), sex, unit))
        truth[str(number)] = (sfzh, address)
    sqlite_execute(source, "CREATE TABLE people (id INTEGER, xm TEXT, sfzh TEXT, csrq TEXT, xb TEXT, fwbm TEXT)")
    sqlite_execute(source, "INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)", people)
    sqlite_execute(source, "CREATE TABLE units (unit_code TEXT, address TEXT)")
    sqlite_execute(source, "INSERT INTO units VALUES (?, ?)", units)
    return truth


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, str]]]:
    root = tmp_path_factory.mktemp("linkage")
    known = _write_sources(root / "alpha.sqlite")
    with registered_lake(root, {"alpha": SourceDepartment(TEST_USCC, root / "alpha.sqlite", TABLES)}):
        yield known


@pytest.fixture(scope="module")
def received(truth: dict[str, tuple[str, str]]) -> dict[str, list[dict]]:
    """Everything a department (beta) may receive of both resources, through the data API."""
    with db.session() as session:
        beta = Department(code="beta", name="测试beta局", uscc="91350100M000100Y43", kind="department")
        session.add(beta)
        session.flush()
        key = auth.issue_key(session, beta)
        resources = {r.source_key: (r.code, [i.column_name for i in r.items])
                     for r in session.scalars(select(Resource))}
    got = {}
    with TestClient(create_app()) as client:
        for table in (PEOPLE, UNITS):
            code, items = resources[table]
            filed = client.post("/api/applications", headers={"X-API-Key": key},
                                json={"resource_code": code, "items": items, "purpose": "核查"})
            assert filed.json()["status"] == "approved"
            answer = client.get(f"/api/data/{code}", headers={"X-API-Key": key}, params={"limit": 1000})
            assert answer.status_code == 200
            got[table] = answer.json()["rows"]
            TALLY.add("requests_served", 2)
    return got


def rebuilt_ids(masked: str, known: dict[str, str]) -> set[str]:
    """Every valid ID consistent with a masked ID and what other items say of it: the birth date fills
    digits 7-14, the sex the parity of digit 17, the check digit follows from the rest. More than one
    candidate is not a rebuilt ID."""
    digits = list(masked)
    if "csrq" in known:
        digits[6:14] = known["csrq"].replace("-", "")
    hidden = [index for index, digit in enumerate(digits[:17]) if digit == "*"]
    if len(hidden) > 4:  # over 10,000 candidates before the sex and the checksum: not a rebuild
        return {"many"} if hidden else set()
    candidates = set()
    for fill in itertools.product("0123456789", repeat=len(hidden)):
        for index, digit in zip(hidden, fill, strict=True):
            digits[index] = digit
        if "xb" in known and (int(digits[16]) % 2 == 1) != (known["xb"] == "男"):
            continue
        body = "".join(digits[:17])
        candidate = body + ric.calc_check_digit(body + "?")
        if is_valid_resident_id(candidate):
            candidates.add(candidate)
    return candidates


def test_no_combination_of_received_items_rebuilds_an_id(received: dict[str, list[dict]],
                                                         truth: dict[str, tuple[str, str]]) -> None:
    items = ["csrq", "xb", "xm", "fwbm"]
    tried = rebuilt = 0
    for size in range(len(items) + 1):
        for combination in itertools.combinations(items, size):
            for row in received[PEOPLE]:
                tried += 1
                candidates = rebuilt_ids(row["sfzh"], {item: row[item] for item in combination})
                rebuilt += len(candidates) == 1 and candidates == {truth[str(row["id"])][0]}
    TALLY.add("linkage_combinations_tried", tried)
    TALLY.add("pii_values_checked", tried)
    TALLY.add("pii_leaks", rebuilt)
    assert tried == 16 * 60 and rebuilt == 0


def test_a_persons_unit_code_does_not_lead_to_the_flat(received: dict[str, list[dict]],
                                                       truth: dict[str, tuple[str, str]]) -> None:
    flats = {unit["unit_code"]: unit["address"] for unit in received[UNITS]}
    assert len(flats) == 32  # the unit table itself is shared in full
    found = sum(flats.get(person["fwbm"]) == truth[str(person["id"])][1] for person in received[PEOPLE])
    buildings = {person["fwbm"][:19] for person in received[PEOPLE]}
    TALLY.add("linkage_combinations_tried", len(received[PEOPLE]))
    TALLY.add("pii_leaks", found)
    assert found == 0 and buildings == {BUILDING}  # the building is still there, for statistics
