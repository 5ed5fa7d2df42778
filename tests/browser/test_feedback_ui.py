"""Ratings (共享评价) through headless Chromium: a consuming department granted a resource records its use and
rates it from the resource page; the provider then sees the rating with its comment, the public only the
averages. A screenshot of the provider's view is left at /tmp/rating.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from catalog import db, sharing
from catalog.models import Department, Resource
from tests.browser import test_catalog_ui as ui_tests
from tests.browser.test_catalog_ui import sign_in

pytestmark = pytest.mark.browser

SCREENSHOT = Path("/tmp/rating.png")
COMMENT = "部分场所名称仍为旧名，建议按季度核对"

# The catalog UI tests' app under uvicorn over the catalog API tests' lake, and their fresh browser page.
catalog_home, keys, catalog_url, page = ui_tests.catalog_home, ui_tests.keys, ui_tests.catalog_url, ui_tests.page


@pytest.fixture(scope="module")
def places(catalog_home: Path) -> str:
    """gamma holds an approved application for alpha's 场所 (unconditional: approved when filed)."""
    with db.session() as session:
        resource = session.scalar(select(Resource).where(Resource.name == "场所"))
        gamma = session.scalar(select(Department).where(Department.code == "gamma"))
        sharing.apply(session, resource, gamma, sharing.ApplicationRequest(["place"], "消防检查"))
        return resource.code


def test_a_consumer_rates_a_resource_and_the_provider_reads_the_comment(catalog_url: str, page: Page,
                                                                         keys: dict[str, str], places: str) -> None:
    page.goto(f"{catalog_url}/login?next=/resources/{places}")
    sign_in(page, keys["gamma"])
    expect(page.get_by_role("heading", name="场所", exact=True)).to_be_visible()
    expect(page.get_by_text("尚无评价")).to_be_visible()

    page.get_by_label("用于何项业务").fill("消防安全检查派单")
    page.get_by_label("取得成效").fill("排查场所 5 处")
    page.get_by_label("使用数据量（条）").fill("5")
    page.get_by_role("button", name="登记使用").click()
    expect(page.get_by_text("使用情况已登记")).to_be_visible()

    page.get_by_label("准确性").select_option("4")
    page.get_by_label("及时性").select_option("2")
    page.get_by_label("完整性").select_option("5")
    page.get_by_label("评价意见").fill(COMMENT)
    page.get_by_role("button", name="提交评价").click()
    expect(page).to_have_url(re.compile(r"done=rated$"))
    expect(page.get_by_text("评价已提交")).to_be_visible()
    expect(page.locator('[data-average="timeliness"]')).to_have_text("2.0")
    expect(page.locator("#rating-list tbody tr")).to_contain_text(COMMENT)  # the rater sees its own
    page.get_by_role("button", name="退出").click()

    # The public sees the averages, not the comment.
    page.goto(f"{catalog_url}/resources/{places}")
    expect(page.locator('[data-average="accuracy"]')).to_have_text("4.0")
    expect(page.get_by_text(COMMENT)).to_have_count(0)

    # The provider reads the rating with its comment and the usage record.
    page.goto(f"{catalog_url}/login?next=/resources/{places}")
    sign_in(page, keys["alpha"])
    row = page.locator("#rating-list tbody tr").filter(has_text=COMMENT)
    expect(row).to_contain_text("测试gamma局")
    expect(row.locator("td.num")).to_have_text(["4", "2", "5"])
    expect(page.locator("#usage-list")).to_contain_text("消防安全检查派单")
    expect(page.get_by_role("button", name="提交评价")).to_have_count(0)
    page.locator("#ratings").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT), full_page=True)
