"""Pytest plugin: a real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync API.

Loaded by the root conftest. Page tests ask for `page` (and usually `login`), are marked
`@pytest.mark.browser`, and leave a screenshot in `test-artifacts/screenshots/<test-name>.png`.

- Never downloads a browser: Playwright is pointed at Debian's chromium (`SHUYU_CHROMIUM` overrides the path).
- Pages are served by pytest-django's `live_server`; it needs the transactional database, which is flushed
  after each test. `page` therefore also asks for serialized rollback, so the data the migrations load
  (Sichuan's regions) is restored before every page test, under pytest-xdist and on PostgreSQL alike.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

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


def chromium_path() -> str | None:
    return os.environ.get("SHUYU_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot_dir(config: pytest.Config) -> Path:
    path = Path(config.rootpath) / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


@pytest.fixture
def chromium_browser(live_server, django_db_serialized_rollback):
    """A Chromium for one test, started after the test database is ready and stopped with the test.

    Playwright's sync API keeps an asyncio loop running in this thread while it lives. With a running loop,
    Django keeps database connections per context instead of per thread, and `asyncio.run` or
    `async_to_sync` refuse to work; so the browser never outlives its test, and the test's own
    connections are closed before it stops. Launch takes well under a second.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        pytest.fail("chromium is not installed: run `make system-deps` (Debian package `chromium`)")
    # The test code stays synchronous while the loop runs; lift Django's guard against ORM use in it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    pw = sync_playwright().start()
    try:
        # launch() gives the browser a fresh temporary user-data dir of its own, removed on close.
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        connections.close_all()  # the connections the test opened while the loop ran
        pw.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(request, chromium_browser, live_server):
    """A fresh browser context and page whose relative URLs go to the live server.

    The final state of the page is saved as `test-artifacts/screenshots/<test-name>.png`, pass or fail.
    """
    context = chromium_browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        try:
            path = screenshot_dir(request.config) / f"{_safe(request.node.name)}.png"
            pg.screenshot(path=str(path), full_page=True)
        finally:
            context.close()


@pytest.fixture
def screenshot(request):
    """screenshot(page, "step") saves `<test-name>-step.png` beside the final one."""

    def _shot(pg, step: str) -> Path:
        path = screenshot_dir(request.config) / f"{_safe(request.node.name)}-{_safe(step)}.png"
        pg.screenshot(path=str(path), full_page=True)
        return path

    return _shot


def log_in(pg, username: str, password: str) -> None:
    """Log in through the login form, as a person would, and wait for the landing page."""
    pg.goto("/login/")
    pg.fill("#id_username", username)
    pg.fill("#id_password", password)
    with pg.expect_navigation():
        pg.click("button[type=submit]")
    if pg.url.rstrip("/").endswith("/login"):
        raise AssertionError(f"login failed for {username!r}: {pg.inner_text('main')}")


@pytest.fixture
def login(page):
    """login(username, password) or login(actor, password) through the form on `page`."""

    def _login(who, password: str = "Test-pass-2026"):
        username = who
        if not isinstance(who, str):
            from shuyu.orgs.models import Person

            username = Person.objects.select_related("user").get(pk=who.person_id).user.username
        log_in(page, username, password)
        return page

    return _login
