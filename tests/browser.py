"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, loopback only.

Never run ``playwright install``: it downloads its own browser, which this network refuses.
Every page is checked for console errors, uncaught exceptions and requests that leave
127.0.0.1; a screenshot of each is kept in test-artifacts/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.server import REPO

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", REPO / "test-artifacts"))
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Beneath page routing: anything not on loopback goes to a dead proxy on loopback and no
    # host name is ever resolved (Chromium's own update and account traffic included).
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


@dataclass
class Tab:
    """A page and what it did: console messages, uncaught errors, blocked requests."""

    page: Any
    console: list[Any] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def console_errors(self) -> list[str]:
        return [m.text for m in self.console if m.type == "error"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run after the others: while Playwright's sync API is open it keeps an
    asyncio loop running in the main thread, where asyncio.run() in other tests would fail."""
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for a test module. Not for the session: Playwright's loop would then stay
    running after the module, and under pytest-xdist another module that calls asyncio.run()
    may come next on the same worker."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does)"
    )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ARGS, timeout=60_000
        )
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser: Any, request: pytest.FixtureRequest) -> Iterator[Tab]:
    """A fresh page; the test fails on console errors, page errors or outside requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    context.set_default_timeout(15_000)
    page = context.new_page()
    tab = Tab(page)

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            tab.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    page.on("console", lambda message: tab.console.append(message))
    page.on("pageerror", lambda error: tab.errors.append(error))
    try:
        yield tab
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
            page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        finally:
            context.close()
    assert not tab.errors, f"uncaught errors: {tab.errors}"
    assert not tab.console_errors(), f"console errors: {tab.console_errors()}"
    assert not tab.blocked, f"requests outside loopback: {tab.blocked}"
