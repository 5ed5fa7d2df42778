"""The bureau's directory import page through headless Chromium: upload a city portal's JSON directory,
see the column mapping guessed from its headers and values, correct one column, dry run and read the
per-row report, import, and find what each provider must complete. Screenshot: /tmp/directory-import.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from blocklake.settings import get_settings
from catalog import auth, db
from catalog.models import Department, Resource
from synthetic.portal_catalogs import RowTruth, departments, write_catalogs
from tests.browser import test_catalog_ui as ui_tests
from tests.browser.test_verification_ui import log_in

pytestmark = pytest.mark.browser

catalog_url, page = ui_tests.catalog_url, ui_tests.page
ROWS = 300
SCREENSHOT = Path("/tmp/directory-import.png")


@pytest.fixture(scope="module")
def catalog_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh catalog that knows the portal catalogs' departments, served by ``catalog_url``."""
    root = tmp_path_factory.mktemp("directory-import")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BLOCKLAKE_HOME", str(root / "var"))
        get_settings.cache_clear()
        db.upgrade()
        with db.session() as session:
            session.add_all(Department(code=code, name=name, uscc=uscc) for code, name, uscc in departments())
        yield root / "var"
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def bureau_key(catalog_home: Path) -> str:
    with db.session() as session:
        key = auth.issue_key(session, session.scalar(select(Department).where(Department.code == "dept00")),
                             role="admin")
        session.commit()
        return key


@pytest.fixture(scope="module")
def city_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[RowTruth]]:
    catalogs = write_catalogs(tmp_path_factory.mktemp("portals"), ROWS)
    return next((path, truths) for path, truths in catalogs.items() if path.name == "city.json")


def test_upload_confirm_dry_run_and_import(catalog_url: str, page: Page, bureau_key: str,
                                           city_file: tuple[Path, list[RowTruth]]) -> None:
    path, truths = city_file
    refused = [truth.number for truth in truths if truth.refused]
    log_in(page, catalog_url, "/directory/import", bureau_key)
    expect(page.get_by_role("heading", name="目录导入")).to_be_visible()
    page.get_by_label("目录文件").set_input_files(str(path))
    page.get_by_label("来源平台").fill("某市开放平台")
    page.get_by_role("button", name="上传并识别列").click()

    # the mapping, guessed from headers and values, shown for confirmation
    expect(page.locator("#mapping-table")).to_contain_text("的值是开放类型")
    expect(page.locator('select[data-column="开放类型"]')).to_have_value("open_type")
    expect(page.locator('select[data-column="上线日期"]')).to_have_value("publish_date")
    expect(page.locator('select[data-column="所属领域"]')).to_have_value("")
    page.locator('select[data-column="数据集名称"]').select_option("name")
    page.get_by_label("共享类型", exact=True).fill("有条件共享")

    page.get_by_role("button", name="试运行").click()
    expect(page.get_by_role("heading", name="试运行结果（未写入）")).to_be_visible()
    expect(page.locator('#report td[data-status="refused"]')).to_have_text(str(len(refused)))
    for number in refused:
        expect(page.locator("#rows tr[data-status='refused']").filter(
            has=page.locator(f"td.num:text-is('{number}')"))).to_contain_text("资源名称")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Resource)) == 0

    page.get_by_label("保存为").check()
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.get_by_role("heading", name="导入结果")).to_be_visible()
    expect(page.locator("#created")).to_have_text(str(ROWS - len(refused)))
    expect(page.locator("#to-complete")).to_contain_text("资源分类")
    page.locator("#report h2").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Resource).where(Resource.pending)) == ROWS - len(refused)
