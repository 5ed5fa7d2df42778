"""Headless Chromium for the browser tests: one browser per module, a fresh context per test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found; `make services` installs Chromium (browser tests never skip)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def fresh_page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path, *, timeout_ms: int,
               **context_options: object) -> Iterator[Page]:
    """A page in a new context (no session cookie); on failure the last screen is saved under tmp_path."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    failures_before = request.session.testsfailed
    yield page
    # The call phase has been reported by fixture teardown, so a failure of this test shows here.
    if request.session.testsfailed > failures_before:
        screenshot = tmp_path / "failure.png"
        page.screenshot(path=str(screenshot), full_page=True)
        print(f"screenshot of the failure: {screenshot}")
    context.close()
