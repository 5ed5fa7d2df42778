"""Hardening the security review asked for (finding 10): security headers on every kind of response, no
caching of what a department reads, and the lake and the exports readable by their owner alone."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from blocklake.settings import get_settings
from catalog import db
from catalog.api import create_app
from catalog.models import Resource
from exports.service import export_application
from tests.conftest import TEST_USCC, SourceDepartment, registered_lake, sqlite_execute
from tests.reliability.conftest import consumer_key
from tests.reliability.tally import TALLY

TABLES = [{"name": "places", "title": "场所", "object": "places", "primary_key": ["id"],
           "directory": {"classification": "2.01.001", "share_type": "无条件共享"}}]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("hardening")
    sqlite_execute(root / "alpha.sqlite", "CREATE TABLE places (id INTEGER, place TEXT)")
    sqlite_execute(root / "alpha.sqlite", "INSERT INTO places VALUES (?, ?)", [(i, f"场所{i}") for i in range(1, 11)])
    with registered_lake(root, {"alpha": SourceDepartment(TEST_USCC, root / "alpha.sqlite", TABLES)},
                         EXPORT_ROOT=str(root / "delivered")):
        yield root


@pytest.fixture(scope="module")
def key(home: Path) -> str:
    return consumer_key()


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/api/resources", "/api/stats", "/",
                                  "/api/no-such-route", "/static/catalog.css"])
def test_every_kind_of_response_carries_the_security_headers(home: Path, path: str) -> None:
    with TestClient(create_app()) as client:
        answer = client.get(path)
    TALLY.add("requests_served")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_what_a_department_reads_is_never_cached(home: Path, key: str) -> None:
    with TestClient(create_app()) as client, db.session() as session:
        code = session.scalar(select(Resource.code))
        assert client.post("/api/applications", headers={"X-API-Key": key},
                           json={"resource_code": code, "items": ["place"], "purpose": "核查"}).status_code == 201
        answers = [client.get(f"/api/data/{code}", headers={"X-API-Key": key}),
                   client.post("/api/sql", headers={"X-API-Key": key}, json={"query": "SELECT * FROM alpha__places"}),
                   client.get("/api/applications", headers={"X-API-Key": key})]
    TALLY.add("requests_served", 4)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert {a.headers["cache-control"] for a in answers} == {"no-store"}


def test_the_lake_and_the_exports_are_readable_by_their_owner_alone(home: Path, key: str) -> None:
    settings = get_settings()
    with TestClient(create_app()) as client, db.session() as session:
        code = session.scalar(select(Resource.code))
        filed = client.post("/api/applications", headers={"X-API-Key": key},
                            json={"resource_code": code, "items": ["id"], "purpose": "核查"}).json()
    assert export_application(filed["id"]) is not None
    for folder in (settings.home, settings.exports_path):
        mode = stat.S_IMODE(folder.stat().st_mode)
        assert mode == 0o700, f"{folder} is {oct(mode)}"
