"""A real browser (Debian's chromium driven by Playwright) against Django's live server."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

from tests.personas import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class SerialServer(WSGIServer):
    """The live server answers one request at a time. A card loads its panels in parallel;
    on the in-memory SQLite test database the threads share one connection, and two writing
    at once fail with «database table is locked» (SQLite's shared cache does not wait)."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = SerialServer  # type: ignore[attr-defined]  # no stub
# Screenshots are artifacts: they outlive the run (scripts/test uses a temporary
# VECHE_VAR_DIR) in VECHE_ARTIFACTS_DIR/screenshots, by default var/artifacts/screenshots of
# the checkout (var/ is gitignored).
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = (
    Path(os.environ.get("VECHE_ARTIFACTS_DIR") or REPO / "var" / "artifacts") / "screenshots"
)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI: chromium is missing (scripts/bootstrap --test installs it)")
        pytest.skip("chromium is not installed: run scripts/bootstrap --test")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _channels(seeded_channels: None) -> None:
    """Browser tests need a live server, hence transactional tests: reseed the channels."""


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # Playwright's wait_for_function evaluates its string with eval, which the page's
    # Content-Security-Policy forbids: these pages bypass the policy. tests/e2e/test_csp.py
    # drives the pages under the policy (the strict_page fixture there).
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="ru-RU", bypass_csp=True
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page: Any, live_server: Any, username: str) -> None:
    """Sign in on the login page as a persona of tests/personas.py; the inbox opens."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/cases/")
