"""Browser tests: Playwright (sync API) driving Debian's chromium against
pytest-django's ``live_server``.

Playwright's sync API runs an event loop in the test thread, so Django's
"no database access from async code" guard must be told that this is
deliberate: DJANGO_ALLOW_ASYNC_UNSAFE is set for the duration of each
browser test only (set for the whole session it would leak into other tests,
e.g. the deploy checks run in a subprocess), and the browser is closed after
each test so that no event loop outlives it. Tests that use ``browser_page``
are marked ``browser`` (skipped without chromium outside CI, failing in CI).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.db import connections

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TEST_PASSWORD = "pw-for-tests-only"  # the password of tests.factories.user


@pytest.fixture
def browser_page(monkeypatch) -> Iterator[object]:
    """A page of a fresh chromium, in English, with a short default timeout."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_context(locale="en-US").new_page()
            page.set_default_timeout(10_000)
            yield page
        finally:
            browser.close()
            # The test's own queries ran while Playwright's event loop was
            # running, on connections of their own: close them, or
            # PostgreSQL cannot drop the test database at the end.
            connections.close_all()


@pytest.fixture
def log_in(browser_page, live_server) -> Callable[[str, str], object]:
    """Log in through the login form; returns the page."""

    def go(username: str, password: str = TEST_PASSWORD) -> object:
        browser_page.goto(f"{live_server.url}/accounts/login/")
        browser_page.fill("input[name=username]", username)
        browser_page.fill("input[name=password]", password)
        browser_page.click("main form button[type=submit]")
        browser_page.wait_for_load_state()
        return browser_page

    return go
