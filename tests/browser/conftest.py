"""Browser fixtures: one seeded live server per session, headless Chromium, a fresh context per test.

Every test under tests/browser is marked ``browser`` and is skipped, with a message
saying how to install it, when Debian's Chromium is not at /usr/bin/chromium.
A test that fails leaves a full-page screenshot in test-results/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.conftest import Mailbox, migrate
from tests.live import isolated_config, serve_demo

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = f"Chromium not found at {CHROMIUM}: install it with apt-get install chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Long enough for a slow CI machine, short enough that a missing element fails fast.
TIMEOUT_MS = 10_000
BROWSER_TESTS = Path(__file__).parent


# tryfirst: the marker must be on the items before `-m "not browser"` deselects them.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason=CHROMIUM_MISSING)
    chromium_missing = not CHROMIUM.exists()
    for item in items:
        if BROWSER_TESTS not in item.path.parents:
            continue
        item.add_marker(pytest.mark.browser)
        if chromium_missing:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Kept on the item so the page fixture's teardown can tell whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@dataclass
class LiveServer:
    url: str
    outbox: Path
    app: Flask


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo site on a free local port, on its own SQLite file, with CSRF on as in production."""
    root = tmp_path_factory.mktemp("live-server")
    database_url = f"sqlite:///{root / 'cloudstore.db'}"
    migrate(database_url).dispose()

    # CSRF on as in production; the browser keeps the CSS and scripts instead of asking for each again
    # on every page (quicker tests).
    config = isolated_config(root, database_url, WTF_CSRF_ENABLED=True, SEND_FILE_MAX_AGE_DEFAULT=3600)
    with serve_demo(config, name="live-server") as (app, url):
        yield LiveServer(url=url, outbox=root / "outbox", app=app)


@pytest.fixture
def mailbox(live_server: LiveServer) -> Mailbox:
    """The live server's outbox; ``mailbox.last_link(address)`` is the link in the latest email to it."""
    return Mailbox(live_server.outbox)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies from other tests), relative URLs on the live server."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            _save_screenshot(page, request)
        context.close()


def _save_screenshot(page: Page, request: pytest.FixtureRequest, suffix: str = "") -> None:
    directory = request.config.rootpath / "test-results" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name + suffix).strip("-")
    path = directory / f"{name}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # a crashed page must not hide the test's own failure
        request.node.warn(pytest.PytestWarning(f"could not save a screenshot to {path}: {error}"))
    else:
        print(f"\nScreenshot of the failed page: {path}")


@pytest.fixture
def new_page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Open more pages, each in its own browser context: one per person in a journey (supplier and admin).
    Keyword arguments go to the context, e.g. ``new_page(java_script_enabled=False)``."""
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        yield open_page
    finally:
        report = getattr(request.node, "report_call", None)
        for number, context in enumerate(contexts, start=1):
            if report is not None and report.failed and context.pages:
                _save_screenshot(context.pages[0], request, suffix=f"-person{number}")
            context.close()
