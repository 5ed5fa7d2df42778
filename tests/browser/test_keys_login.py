"""A newcomer's login: a key issued with ``blocklake keys issue`` (a separate process, as an operator runs it) is
pasted into the catalog's /login page in headless Chromium, which then shows the department logged in; once
``blocklake keys revoke`` has run, the same key is refused."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from blocklake.settings import PROJECT_ROOT, get_settings
from catalog import db
from catalog.models import Department
from catalog.register import BUREAU
from tests.browser import test_catalog_ui as ui_tests

pytestmark = pytest.mark.browser

SCREENSHOT = Path("/tmp/keys-login.png")


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A catalog store with the bureau and one department; the environment a `blocklake` process needs for it."""
    root = tmp_path_factory.mktemp("keys_login")
    (root / "registry").mkdir()
    env = {"BLOCKLAKE_HOME": str(root / "var"), "BLOCKLAKE_REGISTRY_DIR": str(root / "registry")}
    patch = pytest.MonkeyPatch()
    for name, value in env.items():
        patch.setenv(name, value)
    get_settings.cache_clear()
    db.upgrade()
    with db.session() as session:
        session.add_all([Department(**BUREAU), Department(code="police", name="公安分局", kind="department")])
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "BLOCKLAKE"))}
    yield {**clean, **env, "PYTHONPATH": str(PROJECT_ROOT)}
    get_settings.cache_clear()
    patch.undo()


@pytest.fixture(scope="module")
def catalog_home(cli_env: dict[str, str]) -> Path:
    """The home the catalog UI tests' server (``catalog_url``) serves: this module's store."""
    return Path(cli_env["BLOCKLAKE_HOME"]).parent


# The catalog UI tests' app under uvicorn, and their fresh logged-out browser page.
catalog_url, page = ui_tests.catalog_url, ui_tests.page


def blocklake(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "orchestration.cli", *args], env=env, text=True,
                            capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def log_in(page: Page, catalog_url: str, key: str) -> None:
    page.goto(catalog_url + "/login")
    expect(page.get_by_role("heading", name="部门登录")).to_be_visible()
    page.get_by_label("API 密钥").fill(key)
    page.get_by_role("button", name="登录").click()


def test_a_key_from_the_command_line_logs_in_until_revoked(cli_env: dict[str, str], catalog_url: str,
                                                            page: Page) -> None:
    issued = blocklake(cli_env, "keys", "issue", "--department", "police", "--label", "值班民警")
    key = re.search(r"^key\s+: (blk_\S+)$", issued, re.MULTILINE).group(1)
    key_id = re.search(r"^id\s+: (\d+)$", issued, re.MULTILINE).group(1)

    log_in(page, catalog_url, key)
    expect(page.locator(".who .dept")).to_have_text("公安分局")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.get_by_role("link", name="我的申请").click()
    expect(page).to_have_url(re.compile(r"/applications$"))  # a department page, not sent back to /login

    blocklake(cli_env, "keys", "revoke", key_id)
    page.reload()  # the login made with the key ends with it
    expect(page).to_have_url(re.compile(r"/login\?next="))
    log_in(page, catalog_url, key)
    expect(page.get_by_role("alert")).to_have_text("密钥无效、已吊销或已过期。")
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()
