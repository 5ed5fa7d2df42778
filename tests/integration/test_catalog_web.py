"""The catalog's web UI over a real lake (the catalog API tests' fixture): pages for the public and for
departments, login, the application workflow through forms, CSRF refusals, Chinese error pages, and a
bound on the queries (and time) each page takes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from catalog import auth, db
from catalog.api import create_app
from catalog.api.deps import SESSION_COOKIE
from catalog.models import Application
from tests.integration import test_catalog_api as api_tests

ORIGIN = {"Origin": "http://testserver"}

# The same lake and catalog as the API tests (three departments, five resources), built once for this module.
catalog_home = api_tests.catalog_home
keys = api_tests.keys


@pytest.fixture(scope="module")
def app(catalog_home) -> FastAPI:
    return create_app()  # API and web pages


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def logged_in(app: FastAPI, key: str) -> TestClient:
    """A browser of its own, logged in through the form."""
    browser = TestClient(app, follow_redirects=False, headers=ORIGIN)
    assert browser.post("/login", data={"key": key}).status_code == 303
    return browser


def code_of(client: TestClient, name: str) -> str:
    return api_tests.code_of(client, name)


def test_the_directory_renders_for_the_public_with_facets(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html and "资源目录" in html and 'id="total">5<' in html
    for text in ("共享类型", "提供部门", "分类", "有条件共享", "测试alpha局", "基础信息资源", "1.01.001/000001"):
        assert text in html, text
    assert "登录" in html and "/static/catalog.css" in html
    found = client.get("/", params={"q": "场所"}).text
    assert 'id="total">3<' in found
    filtered = client.get("/", params={"q": "场所", "provider": "alpha"}).text
    assert 'id="total">1<' in filtered and "提供部门：测试alpha局" in filtered
    assert "测试beta局" in filtered  # the facet still offers the other providers
    assert client.get("/", params={"page": "x"}).status_code == 200
    css = client.get("/static/catalog.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_a_resource_page_shows_the_directory_metadata(client: TestClient) -> None:
    people = code_of(client, "人口")
    page = client.get(f"/resources/{people}")
    assert page.status_code == 200
    html = page.text
    for text in ("信息资源分类", "1.01.001", people, "测试alpha局", api_tests.TEST_USCC, "有条件共享", "限履职使用",
                 "更新周期", "每年", "信息项", "sfzh", "身份证号", "版本", "数据血缘", "raw.alpha__people", "质量评分"):
        assert text in html, text
    assert 'action="/applications"' not in html and "登录</a>后可申请" in html
    withheld = client.get(f"/resources/{code_of(client, '内部记录')}").text
    assert "不予共享依据" in withheld and "保守国家秘密法" in withheld


def test_department_pages_send_the_public_to_login(client: TestClient) -> None:
    for path in ("/stats", "/applications"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == f"/login?next=%2F{path[1:]}"
    assert "API 密钥" in client.get("/login").text


def test_login_sets_a_strict_httponly_cookie_and_logout_clears_it(app: FastAPI, keys: dict[str, str]) -> None:
    browser = TestClient(app, follow_redirects=False, headers=ORIGIN)
    answer = browser.post("/login", data={"key": keys["beta"], "next": "/applications"})
    assert answer.status_code == 303 and answer.headers["location"] == "/applications"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "测试beta局" in browser.get("/").text
    assert browser.post("/login", data={"key": keys["beta"], "next": "https://evil.example/"}).headers[
        "location"] == "/"
    token = browser.cookies[SESSION_COOKIE]
    assert keys["beta"] not in cookie and token.startswith("bls_") and "Max-Age=28800" in cookie
    assert browser.post("/logout").status_code == 303
    assert browser.get("/applications").status_code == 303
    # logging out ended the login itself: a copy of the cookie (another tab, a stolen one) is refused too
    copy = TestClient(app, follow_redirects=False, cookies={SESSION_COOKIE: token})
    assert copy.get("/applications").status_code == 303 and copy.get("/api/applications").status_code == 401
    for bad in ("revoked", "expired", "blk_not-a-key", ""):
        refused = browser.post("/login", data={"key": keys.get(bad, bad)})
        assert refused.status_code == 401 and "密钥无效" in refused.text, bad


def test_applying_through_the_form_and_deciding(app: FastAPI, client: TestClient, keys: dict[str, str]) -> None:
    people = code_of(client, "人口")
    consumer = logged_in(app, keys["beta"])
    form = consumer.get(f"/resources/{people}").text
    assert 'action="/applications"' in form and 'name="items" value="sfzh"' in form and "纠错" in form
    filed = consumer.post("/applications", data={"resource_code": people, "items": ["name", "sfzh"],
                                                 "purpose": "救助核查", "scenario": "低保复核",
                                                 "period_start": "2026-11-01", "period_end": "2026-12-31"})
    assert filed.status_code == 303 and filed.headers["location"] == "/applications?done=applied"
    with db.session() as session:
        application = session.scalars(select(Application).order_by(Application.id.desc())).first()
        assert application.status == "pending" and application.items == ["name", "sfzh"]
        assert application.consumer.code == "beta" and application.purpose == "救助核查"
        number = application.id
    mine = consumer.get("/applications?done=applied").text
    assert "申请已提交" in mine and "救助核查" in mine and "待审批" in mine and "name、sfzh" in mine

    provider = logged_in(app, keys["alpha"])
    queue = provider.get("/applications").text
    assert f'action="/applications/{number}/decide"' in queue and "批准" in queue and "不予批准" in queue
    # Other departments cannot decide it (nor learn it exists); a refusal needs a reason.
    outsider = logged_in(app, keys["gamma"])
    assert outsider.post(f"/applications/{number}/decide", data={"decision": "approve"}).status_code == 404
    no_reason = provider.post(f"/applications/{number}/decide", data={"decision": "refuse", "reason": ""})
    assert no_reason.status_code == 400 and "不予批准须说明理由" in no_reason.text and "Traceback" not in no_reason.text
    approved = provider.post(f"/applications/{number}/decide", data={"decision": "approve", "reason": "同意"})
    assert approved.status_code == 303 and approved.headers["location"] == "/applications?done=approved"
    again = provider.post(f"/applications/{number}/decide", data={"decision": "refuse", "reason": "重复"})
    assert again.status_code == 409 and "已处理" in again.text
    assert "已批准" in consumer.get("/applications").text


def test_service_errors_are_shown_on_the_page(app: FastAPI, client: TestClient, keys: dict[str, str]) -> None:
    consumer = logged_in(app, keys["gamma"])
    people = code_of(client, "人口")
    no_items = consumer.post("/applications", data={"resource_code": people, "purpose": "回访"})
    assert no_items.status_code == 400 and "未选择信息项" in no_items.text and "共享申请" in no_items.text
    bad_date = consumer.post("/applications", data={"resource_code": people, "items": ["phone"], "purpose": "回访",
                                                    "period_start": "明天"})
    assert bad_date.status_code == 400 and "开始日期格式不正确" in bad_date.text
    assert 'value="phone" checked' in bad_date.text  # the form keeps what was entered
    withheld = consumer.post("/applications", data={"resource_code": code_of(client, "内部记录"), "items": ["note"],
                                                    "purpose": "查看"})
    assert withheld.status_code == 403 and "保守国家秘密法" in withheld.text
    own = logged_in(app, keys["alpha"]).post("/applications", data={"resource_code": people, "items": ["name"],
                                                                     "purpose": "自查"})
    assert own.status_code == 400 and "不能申请本部门提供的资源" in own.text
    places = code_of(client, "场所")
    granted = consumer.post("/applications", data={"resource_code": places, "items": ["place"], "purpose": "巡查"})
    assert granted.headers["location"] == "/applications?done=approved"
    corrected = consumer.post("/corrections", data={"resource_code": places, "description": "场所3 名称有误"})
    assert corrected.status_code == 303
    assert "纠错已提交" in consumer.get(corrected.headers["location"]).text


def test_cross_origin_posts_are_refused(app: FastAPI, client: TestClient, keys: dict[str, str]) -> None:
    consumer = logged_in(app, keys["gamma"])
    places = code_of(client, "场所")
    with db.session() as session:
        before = len(session.scalars(select(Application)).all())
    form = {"resource_code": places, "items": ["place"], "purpose": "伪造"}
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Origin": "", "Referer": "http://evil.example/page"}, {"Origin": "http://testserver.evil.example"}):
        refused = consumer.post("/applications", data=form, headers=headers)
        assert refused.status_code == 403 and "跨站" in refused.text, headers
    with db.session() as session:
        token = auth.start_web_session(session, keys["gamma"])
    bare = TestClient(app, follow_redirects=False, cookies={SESSION_COOKIE: token})
    assert bare.post("/applications", data=form).status_code == 403  # neither Origin nor Referer
    assert bare.post("/login", data={"key": keys["gamma"]}).status_code == 403
    with db.session() as session:
        assert len(session.scalars(select(Application)).all()) == before
    same_site = bare.post("/applications", data=form, headers={"Referer": "http://testserver/resources/x"})
    assert same_site.status_code == 303


def test_not_found_pages_are_chinese_and_the_api_keeps_json(client: TestClient) -> None:
    missing = client.get("/resources/9.99.999/000001")
    assert missing.status_code == 404 and "页面不存在" in missing.text and "9.99.999/000001" in missing.text
    nowhere = client.get("/no/such/page")
    assert nowhere.status_code == 404 and "404 页面不存在" in nowhere.text and "返回资源目录" in nowhere.text
    api = client.get("/api/no-such-endpoint")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    assert client.get("/api/resources/9.99.999/000001").json()["detail"].startswith("no resource")


def test_the_statistics_page(app: FastAPI, keys: dict[str, str]) -> None:
    html = logged_in(app, keys["beta"]).get("/stats").text
    for text in ("数源单位", "资源数", "信息项", "数据量", "共享数据量", "数据共享率", "申请数", "已批准", "接口调用",
                 "各部门数据量", "各分类资源数", "数据共享率趋势", "按板块层级", "基础信息资源", "测试alpha局",
                 "各街道块数据量", "各街道块数据共享率", "按街道"):
        assert text in html, text
    assert 'data-figure="数据共享率">97.2%<' in html  # 35 of 36 records are in shared resources
    assert html.count("<svg") == 5 and "<script" not in html
    by_street = html[html.index('id="by-street"'):]
    assert "<td>440305002</td>" in by_street and "<td>440305001</td>" in by_street


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = db.engine(db.database_url())
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("path", ["/", "/?q=场所&share_type=无条件共享", "/resources/1.01.001/000001", "/applications",
                                  "/stats"])
def test_pages_take_few_queries_and_little_time(app: FastAPI, keys: dict[str, str], path: str) -> None:
    browser = logged_in(app, keys["alpha"])
    browser.get(path)  # warm: templates compiled, connections open
    with counted_queries() as statements:
        started = time.perf_counter()
        answer = browser.get(path)
        elapsed = time.perf_counter() - started
    assert answer.status_code == 200
    assert len(statements) <= 12, statements  # a constant, whatever the catalog's size: no query per row
    assert elapsed < 0.25, f"{path} took {elapsed * 1000:.0f} ms"
