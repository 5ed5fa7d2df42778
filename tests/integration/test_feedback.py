"""Usage records (使用登记) and ratings (共享评价) over the catalog API tests' lake: only a department granted a
resource records its use and rates it; scores are checked; the provider reads the comments, the public only
the averages; the statistics count verification calls, usage records and ratings; the resource page offers
the forms to the department that may use them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog import db, feedback, stats
from catalog.api import cache
from catalog.models import AuditLog, DailyStat, Department, Rating, Resource, Verification
from catalog.sharing import SharingError
from tests.integration import test_catalog_api as api_tests

ORIGIN = {"Origin": "http://testserver"}

# The same lake and catalog as the API tests (alpha provides 人口 and 场所; beta and gamma consume).
catalog_home, keys, client = api_tests.catalog_home, api_tests.keys, api_tests.client
as_ = api_tests.as_


def places(client: TestClient) -> str:
    return api_tests.code_of(client, "场所")


def people(client: TestClient) -> str:
    return api_tests.code_of(client, "人口")


@pytest.fixture(scope="module")
def granted(client: TestClient, keys: dict[str, str]) -> str:
    """beta holds an approved application for alpha's 场所 (unconditional: approved on the spot)."""
    answer = client.post("/api/applications", headers=as_(keys["beta"]),
                         json={"resource_code": places(client), "items": ["place"], "purpose": "网格巡查"})
    assert answer.status_code == 201 and answer.json()["status"] == "approved"
    return places(client)


def rating(code: str, accuracy: object = 4, timeliness: object = 5, completeness: object = 3,
           comment: str = "") -> dict:
    return {"resource_code": code, "accuracy": accuracy, "timeliness": timeliness, "completeness": completeness,
            "comment": comment}


def test_a_granted_consumer_records_usage_and_rates(client: TestClient, keys: dict[str, str], granted: str) -> None:
    used = client.post("/api/usage", headers=as_(keys["beta"]),
                       json={"resource_code": granted, "used_for": "网格巡查派单", "outcome": "核实场所 5 处",
                             "records_used": 5})
    assert used.status_code == 201, used.text
    assert used.json()["consumer"] == "beta" and used.json()["records_used"] == 5
    rated = client.post("/api/ratings", headers=as_(keys["beta"]), json=rating(granted, comment="  名称准确  "))
    assert rated.status_code == 201, rated.text
    assert rated.json()["comment"] == "名称准确" and rated.json()["resource_code"] == granted
    mine = client.get("/api/usage", headers=as_(keys["beta"])).json()
    assert [entry["used_for"] for entry in mine] == ["网格巡查派单"]
    audit = client.get("/api/admin/audit", headers=as_(keys["admin"])).json()
    assert {"record_usage", "rate"} <= {entry["action"] for entry in audit}


def test_without_an_approved_application_usage_and_ratings_are_refused(client: TestClient,
                                                                       keys: dict[str, str], granted: str) -> None:
    pending = client.post("/api/applications", headers=as_(keys["gamma"]),
                          json={"resource_code": people(client), "items": ["name"], "purpose": "回访"})
    assert pending.json()["status"] == "pending"
    for key, code in [("gamma", granted), ("gamma", people(client)), ("alpha", granted), ("admin", granted)]:
        refused = client.post("/api/ratings", headers=as_(keys[key]), json=rating(code))
        assert refused.status_code == 403 and "已批准的共享申请" in refused.json()["detail"], (key, code)
        refused = client.post("/api/usage", headers=as_(keys[key]), json={"resource_code": code, "used_for": "x"})
        assert refused.status_code == 403, (key, code)
    assert client.post("/api/ratings", json=rating(granted)).status_code == 401
    assert client.post("/api/ratings", headers=as_(keys["beta"]), json=rating("9.99.999/000001")).status_code == 404


@pytest.mark.parametrize("body", [
    rating("", accuracy=0), rating("", timeliness=6), rating("", completeness="很好"), rating("", accuracy=3.5),
    rating("", accuracy=None), rating("", comment="长" * 1001)])
def test_bad_scores_and_comments_are_refused(client: TestClient, keys: dict[str, str], granted: str,
                                             body: dict) -> None:
    answer = client.post("/api/ratings", headers=as_(keys["beta"]), json={**body, "resource_code": granted})
    assert answer.status_code == 422, answer.text


def test_the_service_checks_scores_and_texts_itself(granted: str) -> None:
    """Callers other than the API (the web forms) get the same rules: 400 with a Chinese message."""
    with db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.code == granted))
        beta = session.scalar(select(Department).where(Department.code == "beta"))
        for scores, comment, message in [(feedback.Scores(0, 3, 3), "", "准确性评分"),
                                         (feedback.Scores(3, 3, True), "", "完整性评分"),
                                         (feedback.Scores(3, 3, 3), "长" * 1001, "评价意见不超过")]:
            with pytest.raises(SharingError, match=message) as refused:
                feedback.rate(session, resource, beta, scores, comment)
            assert refused.value.status == 400
        with pytest.raises(SharingError, match="须说明"):
            feedback.record_usage(session, resource, beta, feedback.Usage("   "))
        with pytest.raises(SharingError, match="使用数据量"):
            feedback.record_usage(session, resource, beta, feedback.Usage("巡查", records_used=-1))
        session.rollback()


def test_the_provider_reads_the_comments_the_public_only_the_averages(client: TestClient, keys: dict[str, str],
                                                                      granted: str) -> None:
    client.post("/api/ratings", headers=as_(keys["beta"]), json=rating(granted, 2, 2, 4, "门牌号缺失较多"))
    provider = client.get("/api/ratings", headers=as_(keys["alpha"]), params={"resource_code": granted}).json()
    assert "门牌号缺失较多" in [entry["comment"] for entry in provider]
    assert {entry["consumer"] for entry in provider} == {"beta"}
    assert "门牌号缺失较多" in str(client.get("/api/ratings", headers=as_(keys["admin"])).json())
    assert "门牌号缺失较多" not in str(client.get("/api/ratings", headers=as_(keys["gamma"])).json())
    assert client.get("/api/usage", headers=as_(keys["gamma"])).json() == []
    detail = client.get(f"/api/resources/{granted}")
    assert detail.status_code == 200 and "门牌号缺失较多" not in detail.text
    summary = detail.json()["ratings"]
    # beta's latest rating is the one counted: one department, however often it rated.
    assert summary["count"] == 1 and summary["ratings"] >= 2
    assert (summary["accuracy"], summary["timeliness"], summary["completeness"]) == (2.0, 2.0, 4.0)
    unrated = client.get(f"/api/resources/{people(client)}").json()["ratings"]
    assert unrated == {"count": 0, "ratings": 0, "accuracy": None, "timeliness": None, "completeness": None}


def test_statistics_count_verification_calls_usage_records_and_ratings(client: TestClient, keys: dict[str, str],
                                                                       granted: str) -> None:
    before = client.get("/api/stats", headers=as_(keys["beta"])).json()
    with db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.code == granted))
        beta = session.scalar(select(Department).where(Department.code == "beta"))
        for number, (keys_checked, found) in enumerate([(10, 7), (1, 0)]):
            session.add(Verification(at=datetime.now(UTC), consumer_id=beta.id, resource_id=resource.id,
                                     snapshot_id=resource.published_snapshot or 1, application_ids=[],
                                     key_item="place", method="batch" if keys_checked > 1 else "single",
                                     keys=keys_checked, found=found, key_digests=[f"d{number}"] * keys_checked))
    cache.clear()  # the rows were written behind the API's back
    client.post("/api/usage", headers=as_(keys["beta"]), json={"resource_code": granted, "used_for": "巡查"})
    client.post("/api/ratings", headers=as_(keys["beta"]), json=rating(granted))
    after = client.get("/api/stats", headers=as_(keys["beta"])).json()
    for scope in ("total", "alpha"):
        old = before["total"] if scope == "total" else before["by_department"]["alpha"]
        new = after["total"] if scope == "total" else after["by_department"]["alpha"]
        assert new["verification_calls"] - old["verification_calls"] == 2, scope
        assert new["verified_keys"] - old["verified_keys"] == 11, scope
        assert new["usage_records"] - old["usage_records"] == 1, scope
        assert new["ratings"] - old["ratings"] == 1, scope
    assert after["by_department"]["gamma"]["ratings"] == after["by_department"]["gamma"]["verification_calls"] == 0
    with db.session() as session:
        stats.record_day(session)
        total = session.scalar(select(DailyStat).where(DailyStat.scope == "all", DailyStat.key == "*"))
        assert (total.verification_calls, total.verified_keys, total.usage_records, total.ratings) == (
            after["total"]["verification_calls"], after["total"]["verified_keys"], after["total"]["usage_records"],
            after["total"]["ratings"])
        assert session.scalar(select(AuditLog).where(AuditLog.action == "rate")) is not None
    history = client.get("/api/stats/history", headers=as_(keys["beta"])).json()
    assert history[-1]["ratings"] == after["total"]["ratings"]


# --- the resource page -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(catalog_home) -> FastAPI:
    from catalog.api import create_app

    return create_app()


def logged_in(app: FastAPI, key: str) -> TestClient:
    browser = TestClient(app, follow_redirects=False, headers=ORIGIN)
    assert browser.post("/login", data={"key": key}).status_code == 303
    return browser


def test_the_resource_page_offers_the_forms_to_a_granted_consumer(app: FastAPI, keys: dict[str, str],
                                                                  granted: str) -> None:
    consumer = logged_in(app, keys["beta"])
    page = consumer.get(f"/resources/{granted}").text
    assert 'action="/usage"' in page and 'action="/ratings"' in page and 'name="accuracy"' in page
    rated = consumer.post("/ratings", data={"resource_code": granted, "accuracy": "5", "timeliness": "4",
                                            "completeness": "1", "comment": "缺少营业状态"})
    assert rated.status_code == 303 and rated.headers["location"].endswith("done=rated")
    assert "评价已提交" in consumer.get(rated.headers["location"]).text
    used = consumer.post("/usage", data={"resource_code": granted, "used_for": "消防检查", "records_used": "3"})
    assert used.status_code == 303 and used.headers["location"].endswith("done=used")
    bad = consumer.post("/ratings", data={"resource_code": granted, "accuracy": "9", "timeliness": "",
                                          "completeness": "3", "comment": "留着"})
    assert bad.status_code == 400 and "准确性评分须为 1 至 5 的整数" in bad.text and ">留着</textarea>" in bad.text
    bad_count = consumer.post("/usage", data={"resource_code": granted, "used_for": "x", "records_used": "许多"})
    assert bad_count.status_code == 400 and "使用数据量" in bad_count.text

    provider = logged_in(app, keys["alpha"]).get(f"/resources/{granted}").text
    listing = provider[provider.index('id="rating-list"'):]
    assert "缺少营业状态" in listing and "测试beta局" in listing and "消防检查" in provider
    assert 'action="/ratings"' not in provider  # its own resource: nothing to rate

    for outsider in (logged_in(app, keys["gamma"]), TestClient(app)):
        page = outsider.get(f"/resources/{granted}").text
        assert "共享评价" in page and 'data-average="accuracy"' in page
        assert "缺少营业状态" not in page and "消防检查" not in page and 'action="/ratings"' not in page
    refused = logged_in(app, keys["gamma"]).post("/ratings", data={"resource_code": granted, "accuracy": "1",
                                                                   "timeliness": "1", "completeness": "1"})
    assert refused.status_code == 403 and "已批准的共享申请" in refused.text


def test_the_statistics_page_shows_the_new_counts(app: FastAPI, keys: dict[str, str], granted: str) -> None:
    with db.session() as session:
        ratings = len(session.scalars(select(Rating)).all())
    page = logged_in(app, keys["beta"]).get("/stats").text
    for label in ("核验调用", "核验条数", "使用登记", "共享评价"):
        assert f'data-figure="{label}"' in page, label
    assert f'data-figure="共享评价">{ratings}<' in page
