"""The catalog's web UI driven through headless Chromium like a user would: search the directory, open a
resource, apply as a consuming department, approve as the provider, read the statistics.

The app (API + web pages, as :func:`catalog.api.create_app` wires them) runs under uvicorn in a background
thread over the catalog API tests' lake; each test gets a fresh, logged-out browser context.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from catalog.api import create_app
from tests.browser.conftest import fresh_page
from tests.conftest import free_port
from tests.integration import test_catalog_api as api_tests

pytestmark = pytest.mark.browser

UI_TIMEOUT_MS = 15_000

# The same lake and catalog as the API tests (departments alpha, beta, gamma; five resources).
catalog_home = api_tests.catalog_home
keys = api_tests.keys


@pytest.fixture(scope="module")
def catalog_url(catalog_home: Path) -> Iterator[str]:
    """The catalog app under uvicorn on a free loopback port, for the whole module."""
    app = create_app()  # API and web pages
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name="catalog-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start the catalog app within 30 s")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    with fresh_page(browser, request, tmp_path, timeout_ms=UI_TIMEOUT_MS, locale="zh-CN") as opened:
        yield opened


def test_search_the_directory_and_open_a_resource(catalog_url: str, page: Page) -> None:
    page.goto(catalog_url + "/")
    expect(page.get_by_role("heading", name="资源目录")).to_be_visible()
    expect(page.locator("#total")).to_have_text("5")
    page.get_by_label("搜索资源").fill("场所")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#total")).to_have_text("3")
    page.get_by_role("link", name="测试beta局").click()  # the provider facet
    expect(page.locator("#total")).to_have_text("1")
    expect(page.get_by_text("提供部门：测试beta局 ×")).to_be_visible()
    page.get_by_role("link", name="场所副本").click()
    expect(page).to_have_url(re.compile(r"/resources/3\.02\.001/000001$"))
    expect(page.get_by_role("heading", name="场所副本")).to_be_visible()
    expect(page.get_by_text("无条件共享").first).to_be_visible()
    expect(page.locator("td.code", has_text="place")).to_be_visible()


def test_apply_approve_and_read_the_statistics(catalog_url: str, page: Page, keys: dict[str, str]) -> None:
    # A consuming department finds a conditional resource and logs in from its page.
    page.goto(catalog_url + "/?q=人口")
    page.get_by_role("link", name="人口", exact=True).click()
    expect(page.get_by_text("有条件共享").first).to_be_visible()
    page.get_by_role("link", name="登录", exact=True).last.click()
    sign_in(page, keys["beta"])
    expect(page).to_have_url(re.compile(r"/resources/1\.01\.001/000001$"))
    expect(page.get_by_text("测试beta局")).to_be_visible()

    page.locator('input[name="items"][value="name"]').check()
    page.locator('input[name="items"][value="sfzh"]').check()
    page.get_by_label("用途").fill("救助对象身份核查")
    page.get_by_label("应用场景").fill("低保年审")
    page.get_by_role("button", name="提交申请").click()
    expect(page).to_have_url(re.compile(r"/applications\?done=applied$"))
    expect(page.get_by_text("申请已提交")).to_be_visible()
    mine = page.locator("#submitted tbody tr").filter(has_text="救助对象身份核查")
    expect(mine).to_contain_text("待审批")
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("link", name="登录")).to_be_visible()

    # The provider approves it from its queue.
    page.goto(catalog_url + "/applications")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    sign_in(page, keys["alpha"])
    expect(page).to_have_url(re.compile(r"/applications$"))
    row = page.locator("#to-decide tbody tr").filter(has_text="救助对象身份核查")
    expect(row).to_contain_text("测试beta局")
    row.get_by_role("textbox").fill("同意，限低保年审使用")
    row.get_by_role("button", name="批准", exact=True).click()
    expect(page.get_by_text("已批准该申请")).to_be_visible()
    expect(page.locator("#to-decide tbody tr").filter(has_text="救助对象身份核查")).to_contain_text("已批准")

    # The dashboard: headline figures and server-rendered SVG charts.
    page.get_by_role("link", name="共享统计").click()
    expect(page.get_by_role("heading", name="共享统计")).to_be_visible()
    expect(page.locator('[data-figure="数据共享率"]')).to_have_text(re.compile(r"^\d+\.\d%$"))
    expect(page.locator('[data-figure="已批准"]')).not_to_have_text("0")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("svg.chart rect.bar").first).to_be_visible()
    expect(page.locator("#by-street tbody tr")).to_have_count(2)  # the two streets alpha's places lie in


def sign_in(page: Page, key: str) -> None:
    expect(page.get_by_role("heading", name="部门登录")).to_be_visible()
    page.get_by_label("API 密钥").fill(key)
    page.get_by_role("button", name="登录").click()
