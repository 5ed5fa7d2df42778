"""A data request (数据需求) through headless Chromium: a department files it, the bureau's administrator
assigns a provider, the provider answers, and the requester reads the answer. No JavaScript on the page.

Over the catalog API tests' lake, served by uvicorn as in :mod:`tests.browser.test_catalog_ui`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from catalog.workdays import CHINA_TIME
from tests.browser import test_catalog_ui as ui_tests
from tests.browser.conftest import fresh_page

pytestmark = pytest.mark.browser

SCREENSHOT = Path("/tmp/requests.png")
catalog_home, keys, catalog_url = ui_tests.catalog_home, ui_tests.keys, ui_tests.catalog_url
sign_in = ui_tests.sign_in


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    with fresh_page(browser, request, tmp_path, timeout_ms=ui_tests.UI_TIMEOUT_MS, locale="zh-CN",
                    java_script_enabled=False) as opened:
        yield opened


def log_in_as(page: Page, catalog_url: str, key: str) -> None:
    page.goto(catalog_url + "/requests")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    sign_in(page, key)
    expect(page).to_have_url(re.compile(r"/requests$"))


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("link", name="登录")).to_be_visible()


def test_file_assign_answer_and_read_the_answer(catalog_url: str, page: Page, keys: dict[str, str]) -> None:
    # Department beta asks for data the directory does not have, from the navigation.
    page.goto(catalog_url + "/")
    page.get_by_role("link", name="数据需求").click()
    sign_in(page, keys["beta"])
    expect(page.get_by_role("heading", name="数据需求", exact=True)).to_be_visible()
    page.get_by_label("需要什么数据").fill("新生儿出生登记信息")
    page.get_by_label("用途（为什么需要）").fill("入户走访与预防接种提醒")
    page.get_by_label("所需信息项").fill("姓名\n出生日期\n监护人电话")
    page.get_by_role("button", name="提交需求").click()
    expect(page.get_by_text("数据需求已提交")).to_be_visible()
    mine = page.locator("#filed tbody tr").filter(has_text="新生儿出生登记信息")
    expect(mine).to_contain_text("待分派")
    expect(mine).to_contain_text("姓名、出生日期、监护人电话")
    log_out(page)

    # The bureau assigns it to alpha.
    log_in_as(page, catalog_url, keys["admin"])
    row = page.locator("#all-requests tbody tr").filter(has_text="新生儿出生登记信息")
    row.get_by_role("combobox").select_option(label="测试alpha局")
    row.get_by_role("button", name="分派").click()
    expect(page.get_by_text("已分派承接部门")).to_be_visible()
    expect(page.locator("#all-requests tbody tr").filter(has_text="新生儿出生登记信息")).to_contain_text("待答复")
    log_out(page)

    # alpha answers: it will provide the data in two weeks.
    log_in_as(page, catalog_url, keys["alpha"])
    row = page.locator("#to-answer tbody tr").filter(has_text="新生儿出生登记信息")
    expect(row).to_contain_text("测试beta局")
    row.get_by_label("将提供").check()
    provide_by = (datetime.now(CHINA_TIME).date() + timedelta(days=14)).isoformat()
    row.get_by_label(re.compile("的提供日期$")).fill(provide_by)
    row.get_by_label(re.compile("的答复说明$")).fill("从出生医学证明系统按月导出")
    row.get_by_role("button", name="提交答复").click()
    expect(page.get_by_text("答复已提交")).to_be_visible()
    log_out(page)

    # beta reads the answer.
    log_in_as(page, catalog_url, keys["beta"])
    mine = page.locator("#filed tbody tr").filter(has_text="新生儿出生登记信息")
    expect(mine).to_contain_text("已答复")
    expect(mine).to_contain_text(f"将提供，{provide_by} 前")
    expect(mine).to_contain_text("从出生医学证明系统按月导出")
    expect(mine.get_by_role("button", name="撤回")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
