"""The Airflow UI that ``make ui`` starts, driven through headless Chromium like a user would.

One ``airflow standalone`` (via :func:`orchestration.ui.start`, the code path of ``blocklake ui``) serves
the whole module from an isolated BLOCKLAKE_HOME; each test gets a fresh, logged-out browser context.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from blocklake.registry import load_registry
from blocklake.settings import get_settings
from orchestration import ui
from tests.browser.conftest import fresh_page
from tests.conftest import free_port

pytestmark = pytest.mark.browser

DAG_LIST_TIMEOUT_S = 120  # the DAG processor parses dags/ right after start; allow a slow machine
UI_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ui.RunningAirflow]:
    with _isolated_home(tmp_path_factory.mktemp("blocklake")):
        running = ui.start(free_port())
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    with fresh_page(browser, request, tmp_path, timeout_ms=UI_TIMEOUT_MS) as opened:
        yield opened


def test_wrong_password_is_refused(airflow: ui.RunningAirflow, page: Page) -> None:
    sign_in(page, airflow.url, airflow.username, airflow.password + "-wrong")
    expect(page.get_by_text("Invalid credentials")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/auth/login"))
    assert "_token" not in {cookie["name"] for cookie in page.context.cookies()}


def test_every_department_dag_is_listed(airflow: ui.RunningAirflow, page: Page) -> None:
    sign_in(page, airflow.url, airflow.username, airflow.password)
    expect(page).not_to_have_url(re.compile(r"/auth/login"))
    page.get_by_role("link", name="Dags", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dags$"))
    deadline = time.monotonic() + DAG_LIST_TIMEOUT_S
    for code in load_registry().departments:  # the fixture's isolated settings still name the repo registry
        find_dag(page, f"ingest_{code}", deadline)


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    """Open the UI logged out (which lands on the login form) and submit it."""
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/auth/login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def find_dag(page: Page, dag_id: str, deadline: float) -> None:
    """Search the DAG list for one id (so paging never hides it); reload until the DAG processor has it."""
    link = page.get_by_role("link", name=dag_id, exact=True)
    while True:
        page.get_by_test_id("search-dags").fill(dag_id)
        try:
            expect(link).to_be_visible(timeout=5_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{dag_id} not in the Airflow DAG list after {DAG_LIST_TIMEOUT_S}s") from None
            page.reload()


@contextmanager
def _isolated_home(home: Path) -> Iterator[None]:
    """BLOCKLAKE_HOME under tmp, so Airflow's home, metadata DB and login live there too.

    ``airflow_env.environment()`` lets AIRFLOW_* variables already set win, and ``prepare_airflow()``
    writes them into ``os.environ``; so none may come in from the caller, and none may leak out to
    later tests: the whole environment is restored afterwards.
    """
    saved = os.environ.copy()
    for key in [key for key in os.environ if key.startswith("AIRFLOW")]:
        del os.environ[key]
    os.environ["BLOCKLAKE_HOME"] = str(home)
    get_settings.cache_clear()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
