"""Data requests (供需对接) through the API and the web forms: filed by a department, assigned by the bureau,
answered by the provider in 5 working days; each refusal with its status; overdue after the deadline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog import db, requests
from catalog.api import create_app
from catalog.models import AuditLog, DataRequest, Department
from catalog.sharing import Conflict
from catalog.workdays import CHINA_TIME, add_working_days
from tests.integration import test_catalog_api as api_tests
from tests.integration.test_catalog_web import counted_queries, logged_in

# The catalog API tests' lake and keys: departments alpha, beta, gamma and the bureau (admin).
catalog_home, keys = api_tests.catalog_home, api_tests.keys
as_ = api_tests.as_
# Friday 26 September 2025, 15:30 in China: the National Day holiday (1–8 October) and its make-up workday
# (Sunday 28 September) lie within the next 5 working days: 28, 29, 30 September, 9 and 10 October.
BEFORE_NATIONAL_DAY = datetime(2025, 9, 26, 7, 30, tzinfo=UTC)
ITS_DEADLINE = date(2025, 10, 10)


@pytest.fixture(scope="module")
def app(catalog_home) -> FastAPI:
    return create_app()


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def file(client: TestClient, key: str, **body) -> dict:
    wanted = {"title": "独生子女家庭名单", "purpose": "发放奖励金", "items": ["姓名", "身份证号"], **body}
    answer = client.post("/api/requests", headers=as_(key), json=wanted)
    assert answer.status_code == 201, answer.text
    return answer.json()


def assign(client: TestClient, number: int, provider: str, key: str):
    return client.post(f"/api/requests/{number}/assign", headers=as_(key), json={"provider_code": provider})


def answer(client: TestClient, number: int, key: str, **body):
    return client.post(f"/api/requests/{number}/answer", headers=as_(key), json=body)


def china_today() -> date:
    return datetime.now(CHINA_TIME).date()


def test_a_request_is_filed_assigned_and_answered(client: TestClient, keys: dict[str, str]) -> None:
    filed = file(client, keys["beta"])
    number = filed["id"]
    assert filed["status"] == "filed" and filed["requester"] == "beta" and filed["items"] == ["姓名", "身份证号"]
    assert filed["provider"] is None and filed["deadline"] is None and filed["overdue"] is False
    # Nobody but the requester and the bureau sees it until it is assigned.
    for outsider in ("alpha", "gamma"):
        assert client.get(f"/api/requests/{number}", headers=as_(keys[outsider])).status_code == 404
        assert number not in [r["id"] for r in client.get("/api/requests", headers=as_(keys[outsider])).json()]
    assert number in [r["id"] for r in client.get("/api/requests", headers=as_(keys["admin"])).json()]

    assert assign(client, number, "alpha", keys["alpha"]).status_code == 403  # only the bureau assigns
    assigned = assign(client, number, "alpha", keys["admin"])
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "assigned" and assigned.json()["provider"] == "alpha"
    assert assigned.json()["deadline"] == add_working_days(china_today(), requests.ANSWER_WORKING_DAYS).isoformat()
    assert number in [r["id"] for r in client.get("/api/requests?status=assigned", headers=as_(keys["alpha"])).json()]

    assert answer(client, number, keys["beta"], answer="cannot", text="x").status_code == 403  # not the provider
    assert answer(client, number, keys["gamma"], answer="cannot", text="x").status_code == 404
    assert answer(client, number, keys["alpha"], answer="will_provide").status_code == 400  # no date
    yesterday = (china_today() - timedelta(days=1)).isoformat()
    past = answer(client, number, keys["alpha"], answer="will_provide", provide_by=yesterday)
    assert past.status_code == 400 and "已过" in past.json()["detail"]
    by = (china_today() + timedelta(days=30)).isoformat()
    done = answer(client, number, keys["alpha"], answer="will_provide", provide_by=by, text="从计生系统导出")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "answered" and done.json()["answer"] == "will_provide"
    assert done.json()["provide_by"] == by and done.json()["answered_at"] and done.json()["overdue"] is False

    # Answered is final: no second answer, no re-assignment, no withdrawal.
    assert answer(client, number, keys["alpha"], answer="cannot", text="改主意").status_code == 409
    assert assign(client, number, "gamma", keys["admin"]).status_code == 409
    assert client.post(f"/api/requests/{number}/withdraw", headers=as_(keys["beta"])).status_code == 409
    seen = client.get(f"/api/requests/{number}", headers=as_(keys["beta"])).json()
    assert (seen["answer"], seen["provide_by"], seen["answer_text"]) == ("will_provide", by, "从计生系统导出")
    with db.session() as session:
        actions = session.scalars(select(AuditLog.action).where(AuditLog.object_type == "datarequest",
                                                                AuditLog.object_id == str(number))
                                  .order_by(AuditLog.id)).all()
    assert actions == ["file_request", "assign_request", "answer_request"]


def test_cannot_needs_a_reason_and_a_reassigned_request_moves(client: TestClient, keys: dict[str, str]) -> None:
    number = file(client, keys["gamma"], title="餐饮门店许可清单", items=[])["id"]
    assert assign(client, number, "alpha", keys["admin"]).status_code == 200
    moved = assign(client, number, "beta", keys["admin"])  # re-assigned while unanswered: the new provider answers
    assert moved.status_code == 200 and moved.json()["provider"] == "beta"
    assert client.get(f"/api/requests/{number}", headers=as_(keys["alpha"])).status_code == 404
    assert answer(client, number, keys["beta"], answer="cannot").status_code == 400
    assert answer(client, number, keys["beta"], answer="cannot", text="   ").status_code == 400
    refused = answer(client, number, keys["beta"], answer="cannot", text="本部门不采集该数据，请向市场监管局申请")
    assert refused.status_code == 200
    body = refused.json()
    assert body["answer"] == "cannot" and body["provide_by"] is None and body["answer_text"].startswith("本部门不采集")


def test_refusals_have_their_statuses(client: TestClient, keys: dict[str, str]) -> None:
    beta = as_(keys["beta"])
    assert client.post("/api/requests", json={"title": "x", "purpose": "y"}).status_code == 401
    assert client.post("/api/requests", headers=beta, json={"title": "  ", "purpose": "y"}).status_code == 400
    assert client.post("/api/requests", headers=beta, json={"title": "x", "purpose": " \n"}).status_code == 400
    assert client.post("/api/requests", headers=beta, json={"title": "x", "purpose": "y", "items": ["姓名", " "]}
                       ).status_code == 400
    assert client.post("/api/requests", headers=beta, json={"title": "", "purpose": "y"}).status_code == 422
    number = file(client, keys["beta"])["id"]
    assert assign(client, number, "beta", keys["admin"]).status_code == 400  # not to the requester itself
    assert assign(client, number, "nobody", keys["admin"]).status_code == 404
    assert assign(client, 2**31 - 1, "alpha", keys["admin"]).status_code == 404
    assert answer(client, number, keys["beta"], answer="cannot", text="x").status_code == 403  # unassigned
    assert answer(client, number, keys["alpha"], answer="maybe").status_code == 422
    assert assign(client, number, "alpha", keys["admin"]).status_code == 200
    assert client.post(f"/api/requests/{number}/withdraw", headers=as_(keys["alpha"])).status_code == 403
    assert client.post(f"/api/requests/{number}/withdraw", headers=as_(keys["gamma"])).status_code == 404
    withdrawn = client.post(f"/api/requests/{number}/withdraw", headers=beta)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert answer(client, number, keys["alpha"], answer="cannot", text="x").status_code == 409
    assert assign(client, number, "gamma", keys["admin"]).status_code == 409
    assert client.get("/api/requests?status=unknown", headers=beta).status_code == 422


def test_an_assigned_request_is_overdue_after_its_deadline(client: TestClient, keys: dict[str, str]) -> None:
    with db.session() as session:
        departments = {d.code: d for d in session.scalars(select(Department))}
        form = requests.RequestForm("学籍名单", "入学资格审核", ["学籍号"])
        late = requests.file(session, departments["gamma"], form, now=BEFORE_NATIONAL_DAY)
        requests.assign(session, late, departments["alpha"], by="bureau", is_admin=True, now=BEFORE_NATIONAL_DAY)
        answered = requests.file(session, departments["gamma"], form, now=BEFORE_NATIONAL_DAY)
        requests.assign(session, answered, departments["alpha"], by="bureau", is_admin=True, now=BEFORE_NATIONAL_DAY)
        requests.answer(session, answered, departments["alpha"], will_provide=False, provide_by=None, text="无",
                        now=BEFORE_NATIONAL_DAY + timedelta(days=20))
        assert late.deadline == ITS_DEADLINE == answered.deadline
        assert not requests.is_overdue(late, ITS_DEADLINE)  # answering on the deadline day is in time
        assert requests.is_overdue(late, ITS_DEADLINE + timedelta(days=1))
        assert not requests.is_overdue(answered, ITS_DEADLINE + timedelta(days=1))
        assert late not in requests.overdue(session, ITS_DEADLINE)
        assert late in requests.overdue(session, ITS_DEADLINE + timedelta(days=1))
        assert answered not in requests.overdue(session, ITS_DEADLINE + timedelta(days=1))
        late_id, answered_id = late.id, answered.id
    flags = {r["id"]: r["overdue"] for r in client.get("/api/requests", headers=as_(keys["alpha"])).json()}
    assert flags[late_id] is True and flags[answered_id] is False


def test_of_two_answers_racing_one_wins(keys: dict[str, str]) -> None:
    with db.session() as session:
        departments = {d.code: d for d in session.scalars(select(Department))}
        filed = requests.file(session, departments["beta"], requests.RequestForm("x", "y", []))
        requests.assign(session, filed, departments["alpha"], by="bureau", is_admin=True)
        number = filed.id
    with db.session() as first, db.session() as second:
        mine, theirs = first.get(DataRequest, number), second.get(DataRequest, number)
        provider = first.get(Department, mine.provider_id)
        requests.answer(first, mine, provider, will_provide=False, provide_by=None, text="先到")
        first.commit()
        with pytest.raises(Conflict):  # its copy still says "assigned"; the store no longer does
            requests.withdraw(second, theirs, second.get(Department, theirs.requester_id))
        second.rollback()
    with db.session() as session:
        assert session.get(DataRequest, number).status == "answered"


# --- the web forms -----------------------------------------------------------------------------------------

def latest_request() -> DataRequest:
    with db.session() as session:
        return session.scalars(select(DataRequest).order_by(DataRequest.id.desc())).first()


def test_the_web_takes_a_request_from_filing_to_its_answer(app: FastAPI, keys: dict[str, str]) -> None:
    requester, bureau, provider = (logged_in(app, keys[code]) for code in ("beta", "admin", "alpha"))
    assert 'href="/requests"' in requester.get("/").text  # in the navigation
    filed = requester.post("/requests", data={"title": "残疾人证持证名单", "purpose": "无障碍改造补贴",
                                              "items": "姓名、身份证号\n残疾等级\n"})
    assert filed.status_code == 303 and filed.headers["location"] == "/requests?done=filed"
    created = latest_request()
    assert created.items == ["姓名", "身份证号", "残疾等级"] and created.status == "filed"
    page = requester.get("/requests?done=filed").text
    assert "数据需求已提交" in page and "残疾人证持证名单" in page and "待分派" in page
    assert f'action="/requests/{created.id}/withdraw"' in page

    assert f'action="/requests/{created.id}/assign"' in bureau.get("/requests").text
    refused = provider.post(f"/requests/{created.id}/assign", data={"provider_code": "alpha"})
    assert refused.status_code == 403 and "只有数据管理局可以分派" in refused.text
    assigned = bureau.post(f"/requests/{created.id}/assign", data={"provider_code": "alpha"})
    assert assigned.status_code == 303 and assigned.headers["location"] == "/requests?done=assigned"

    queue = provider.get("/requests").text
    assert f'action="/requests/{created.id}/answer"' in queue and "测试beta局" in queue
    outsider = logged_in(app, keys["gamma"])
    assert outsider.post(f"/requests/{created.id}/answer", data={"answer": "cannot", "text": "x"}).status_code == 404
    no_date = provider.post(f"/requests/{created.id}/answer", data={"answer": "will_provide"})
    assert no_date.status_code == 400 and "须写明提供日期" in no_date.text
    bad_date = provider.post(f"/requests/{created.id}/answer", data={"answer": "will_provide", "provide_by": "下月"})
    assert bad_date.status_code == 400 and "提供日期格式不正确" in bad_date.text
    by = (china_today() + timedelta(days=14)).isoformat()
    done = provider.post(f"/requests/{created.id}/answer", data={"answer": "will_provide", "provide_by": by})
    assert done.status_code == 303 and done.headers["location"] == "/requests?done=answered"
    mine = requester.get("/requests").text
    assert "将提供" in mine and by in mine and f'action="/requests/{created.id}/withdraw"' not in mine


def test_web_refusals(app: FastAPI, keys: dict[str, str]) -> None:
    requester = logged_in(app, keys["gamma"])
    blank = requester.post("/requests", data={"title": "公交卡数据", "purpose": "  "})
    assert blank.status_code == 400 and "须说明需求用途" in blank.text and 'value="公交卡数据"' in blank.text
    cross = requester.post("/requests", data={"title": "x", "purpose": "y"}, headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403 and "跨站" in cross.text
    public = TestClient(app, follow_redirects=False, headers={"Origin": "http://testserver"})
    assert public.get("/requests").headers["location"] == "/login?next=%2Frequests"
    assert requester.post("/requests", data={"title": "公交卡数据", "purpose": "客流分析"}).status_code == 303
    number = latest_request().id
    other = logged_in(app, keys["beta"])
    assert other.post(f"/requests/{number}/withdraw").status_code == 404
    bureau = logged_in(app, keys["admin"])
    assert bureau.post(f"/requests/{number}/assign", data={"provider_code": ""}).status_code == 400
    assert bureau.post(f"/requests/{number}/assign", data={"provider_code": "gamma"}).status_code == 400  # requester
    assert requester.post(f"/requests/{number}/withdraw").headers["location"] == "/requests?done=withdrawn"
    assert "已撤回" in requester.get("/requests").text


def test_an_overdue_request_is_flagged_on_the_page(app: FastAPI, keys: dict[str, str]) -> None:
    with db.session() as session:
        departments = {d.code: d for d in session.scalars(select(Department))}
        late = requests.file(session, departments["beta"], requests.RequestForm("迟到的需求", "测试", []),
                             now=BEFORE_NATIONAL_DAY)
        requests.assign(session, late, departments["gamma"], by="bureau", is_admin=True, now=BEFORE_NATIONAL_DAY)
    page = logged_in(app, keys["gamma"]).get("/requests").text
    row = page[page.index('id="to-answer"'):]
    row = row[:row.index("迟到的需求") + 500]
    assert 'class="is-overdue"' in row and "已超期" in row


@pytest.mark.parametrize("key", ["alpha", "admin"])
def test_the_page_takes_few_queries(app: FastAPI, keys: dict[str, str], key: str) -> None:
    browser = logged_in(app, keys[key])
    browser.get("/requests")
    with counted_queries() as statements:
        assert browser.get("/requests").status_code == 200
    assert len(statements) <= 12, statements
