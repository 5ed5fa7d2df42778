"""Verification (数据核验) and plain items through headless Chromium, as the departments would use them:
civil affairs applies to verify against the resident population, the provider approves, civil affairs
uploads its recipient list and reads which recipients were not found or disagree, and downloads the
answers; a provider grants an ID unmasked with its legal basis, and the resource page says so.
Screenshots: /tmp/verify.png (the answers) and /tmp/plain.png (the plain grant on the resource page)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import test_catalog_ui as ui_tests
from tests.browser.test_catalog_ui import sign_in
from tests.integration import test_verification as verification_tests
from tests.integration.test_verification import RESIDENTS, resident_id

pytestmark = pytest.mark.browser

# The verification tests' lake (police's 实有人口 with 30 residents, civil affairs, a street office) served by
# the catalog UI tests' uvicorn fixture, with their fresh browser page.
verification_home, keys = verification_tests.verification_home, verification_tests.keys
catalog_url, page = ui_tests.catalog_url, ui_tests.page


@pytest.fixture(scope="module")
def catalog_home(verification_home: Path) -> Path:
    """The home ``catalog_url`` serves: the verification tests' (one lake, not a second copy)."""
    return verification_home


RECIPIENTS = [(RESIDENTS[0][2], RESIDENTS[0][1]), (RESIDENTS[1][2], RESIDENTS[1][1]),
              (RESIDENTS[2][2], "王错名"), (resident_id("19990101", 996), "迁走的人"), ("440305199901011230", "号码错")]


def recipient_file() -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows([("身份证号", "姓名", "救助类别"), *((key, name, "低保") for key, name in RECIPIENTS)])
    return text.getvalue().encode("gb18030")  # as Excel on a Chinese Windows saves CSV


def log_in(page: Page, url: str, path: str, key: str) -> None:
    page.goto(f"{url}/login?next={path}")
    sign_in(page, key)
    expect(page.get_by_role("button", name="退出")).to_be_visible()  # logged in before going on


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()


def people_page(page: Page, url: str) -> None:
    page.goto(f"{url}/?q=实有人口")
    page.get_by_role("link", name="实有人口", exact=True).click()


def test_civil_affairs_verifies_its_recipients(catalog_url: str, page: Page, keys: dict[str, str]) -> None:
    log_in(page, catalog_url, "/", keys["civil"])
    people_page(page, catalog_url)
    for item in ("sfzh", "name", "grid"):
        page.locator(f'input[name="items"][value="{item}"]').check()
    page.get_by_label("数据核验：提交本部门已掌握的号码").check()
    page.get_by_label("用途").fill("低保年审核对实有人口")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("申请已提交")).to_be_visible()
    expect(page.locator("#submitted tbody tr").filter(has_text="低保年审核对实有人口")).to_contain_text("数据核验")
    log_out(page)

    log_in(page, catalog_url, "/applications", keys["police"])
    row = page.locator("#to-decide tbody tr").filter(has_text="低保年审核对实有人口")
    row.get_by_placeholder("审批意见").fill("同意，限低保年审核验")
    row.get_by_role("button", name="批准", exact=True).click()
    expect(page.get_by_text("已批准该申请")).to_be_visible()
    log_out(page)

    log_in(page, catalog_url, "/verify", keys["civil"])
    expect(page.get_by_role("heading", name="数据核验")).to_be_visible()
    page.get_by_role("button", name="选择").click()
    expect(page.get_by_label("名单按哪一项核验")).to_have_value("sfzh")  # the resident ID item, by its kind
    page.get_by_label(re.compile("名单文件")).set_input_files(
        {"name": "低保对象名单.csv", "mimeType": "text/csv", "buffer": recipient_file()})
    page.get_by_role("button", name="核验", exact=True).click()
    for status, count in [("match", 2), ("mismatch", 1), ("not_found", 1), ("invalid", 1)]:
        expect(page.locator(f'td[data-status="{status}"]')).to_have_text(str(count))
    attention = page.locator("#disagreeing tbody tr")
    expect(attention).to_have_count(3)
    expect(attention.filter(has_text="王错名")).to_contain_text("信息不一致")
    expect(attention.filter(has_text="迁走的人")).to_contain_text("未找到")
    expect(attention.filter(has_text="号码错")).to_contain_text("号码无效")
    held = attention.filter(has_text="王错名").locator("td").nth(6)  # 库中sfzh: the population's ID, masked
    expect(held).to_have_text(RESIDENTS[2][2][:6] + "*" * 12)
    page.screenshot(path="/tmp/verify.png", full_page=True)

    page.get_by_label(re.compile("名单文件")).set_input_files(
        {"name": "低保对象名单.csv", "mimeType": "text/csv", "buffer": recipient_file()})
    with page.expect_download() as download:
        page.get_by_role("button", name="核验并下载结果文件").click()
    answers = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert answers[0][:5] == ["身份证号", "姓名", "救助类别", "核验结果", "姓名比对"]
    assert [row[3] for row in answers[1:]] == ["一致", "一致", "信息不一致", "未找到", "号码无效"]


def test_a_provider_grants_an_id_unmasked_with_its_legal_basis(catalog_url: str, page: Page,
                                                                keys: dict[str, str]) -> None:
    basis = "《个人信息保护法》第十三条第一款第三项、第三十四条：工伤认定须核实身份"
    log_in(page, catalog_url, "/", keys["civil"])
    people_page(page, catalog_url)
    for item in ("sfzh", "name"):
        page.locator(f'input[name="items"][value="{item}"]').check()
    page.get_by_label("用途").fill("工伤认定核实身份")
    page.get_by_label("至").fill((date.today() + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("申请已提交")).to_be_visible()
    log_out(page)

    log_in(page, catalog_url, "/applications", keys["police"])
    row = page.locator("#to-decide tbody tr").filter(has_text="工伤认定核实身份")
    row.get_by_text("明文提供个人信息项").click()
    row.get_by_label(re.compile(r"sfzh（身份证号）")).check()
    row.get_by_label("法律依据与必要性").fill(basis)
    row.get_by_placeholder("审批意见").fill("同意")
    row.get_by_role("button", name="批准", exact=True).click()
    expect(page.get_by_text("已批准该申请")).to_be_visible()
    decided = page.locator("#to-decide tbody tr").filter(has_text="工伤认定核实身份")
    expect(decided).to_contain_text("明文：sfzh")
    expect(decided).to_contain_text(basis)

    people_page(page, catalog_url)
    grants = page.locator("#plain-grants")
    expect(grants).to_contain_text("测试civil局")
    expect(grants).to_contain_text("sfzh")
    expect(grants).to_contain_text(basis)
    page.screenshot(path="/tmp/plain.png", full_page=True)
