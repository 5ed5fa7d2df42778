"""POST /api/sql cannot exhaust the server (security review, finding 6): functions that make gigabytes from
a few bytes of query are refused, a result larger than an answer may carry is refused rather than
built into a response, a query over the time limit is interrupted, and one department running queries
cannot make another department's query wait: its second query at once is answered 429."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog import db
from catalog.api import create_app
from catalog.models import Resource
from tests.conftest import TEST_USCC, SourceDepartment, registered_lake, sqlite_execute
from tests.reliability.conftest import consumer_key
from tests.reliability.tally import TALLY

PLACES = "raw.alpha__places"
MAX_BYTES = 20_000
TABLES = [{"name": "places", "title": "场所", "object": "places", "primary_key": ["id"],
           "directory": {"classification": "2.01.001", "share_type": "无条件共享"}}]
SLOW = (f"SELECT count(*) FROM {PLACES} a CROSS JOIN {PLACES} b CROSS JOIN {PLACES} c CROSS JOIN {PLACES} d "
        f"CROSS JOIN {PLACES} e CROSS JOIN {PLACES} f WHERE a.id + b.id + c.id + d.id + e.id + f.id > 7")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("sqllimits")
    sqlite_execute(root / "alpha.sqlite", "CREATE TABLE places (id INTEGER, place TEXT)")
    sqlite_execute(root / "alpha.sqlite", "INSERT INTO places VALUES (?, ?)", [(i, f"场所{i}") for i in range(1, 51)])
    with registered_lake(root, {"alpha": SourceDepartment(TEST_USCC, root / "alpha.sqlite", TABLES)},
                         SQL_TIMEOUT_S="4", SQL_MAX_RESPONSE_BYTES=str(MAX_BYTES)):
        yield root


@pytest.fixture(scope="module")
def keys(home: Path) -> dict[str, str]:
    return {"beta": consumer_key("beta"), "gamma": consumer_key("gamma", "91110000600037341L")}


@pytest.fixture(scope="module")
def client(home: Path, keys: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        with db.session() as session:
            code = session.scalar(select(Resource.code).where(Resource.source_key == PLACES))
        for key in keys.values():
            answer = test_client.post("/api/applications", headers={"X-API-Key": key},
                                      json={"resource_code": code, "items": ["id", "place"], "purpose": "核查"})
            assert answer.json()["status"] == "approved"
        yield test_client


def sql(client: TestClient, key: str, query: str) -> tuple[int, str]:
    answer = client.post("/api/sql", headers={"X-API-Key": key}, json={"query": query, "limit": 10_000})
    TALLY.add("requests_served")
    return answer.status_code, answer.text


@pytest.mark.parametrize("query", [
    f"SELECT repeat(place, 1000000000) FROM {PLACES}",
    f"SELECT lpad(place, 1000000000, 'x') FROM {PLACES}",
    f"SELECT printf('%1000000000d', id) FROM {PLACES}",
    f"SELECT format('{{:>1000000000}}', place) FROM {PLACES}",
])
def test_functions_that_amplify_a_value_are_refused(client: TestClient, keys: dict[str, str], query: str) -> None:
    status, text = sql(client, keys["beta"], query)
    TALLY.add("bad_inputs_tried")
    assert status == 400 and "is not allowed" in text


def test_a_result_larger_than_an_answer_may_carry_is_refused(client: TestClient, keys: dict[str, str]) -> None:
    status, text = sql(client, keys["beta"], f"SELECT a.place, b.place, c.place FROM {PLACES} a "
                                             f"CROSS JOIN {PLACES} b CROSS JOIN {PLACES} c")
    TALLY.add("bad_inputs_tried")
    assert status == 400 and f"over {MAX_BYTES:,} bytes" in text
    status, _ = sql(client, keys["beta"], f"SELECT place FROM {PLACES}")
    assert status == 200  # a result under the cap still answers


def test_a_query_past_the_time_limit_is_interrupted(client: TestClient, keys: dict[str, str]) -> None:
    status, text = sql(client, keys["beta"], SLOW)
    TALLY.add("bad_inputs_tried")
    assert status == 408 and "time limit" in text


def test_one_department_running_queries_cannot_make_another_wait(client: TestClient, keys: dict[str, str]) -> None:
    answers: list[int] = []
    turned_away = threading.Event()

    def run_slow() -> None:
        status = sql(client, keys["beta"], SLOW)[0]
        answers.append(status)
        if status == 429:
            turned_away.set()

    both = [threading.Thread(target=run_slow) for _ in range(2)]
    for thread in both:
        thread.start()
    assert turned_away.wait(timeout=60), "beta's second query at once was not turned away"
    other, _ = sql(client, keys["gamma"], f"SELECT count(*) FROM {PLACES}")
    other_answered_while_slow_ran = any(thread.is_alive() for thread in both)
    for thread in both:
        thread.join()
    assert other == 200 and other_answered_while_slow_ran
    assert sorted(answers) == [408, 429]
