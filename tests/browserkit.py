"""The one Playwright kit every browser test uses (a pytest plugin; conftest.py loads it).

Debian's chromium, headless, with the project's standard flags. Pages collect uncaught script
errors and CSP refusals and fail the test at teardown when there were any. Screenshots go to
pytest's tmp_path and, when SCREENSHOT_DIR is set, are copied there to be looked at.

    def test_x(live_server, page, shoot, cast):
        log_in(page, live_server.url, cast.teacher)
        page.goto(live_server.url + "/logbook/")
        fits_phone(page, "logbook")
        shoot(page, "logbook")

``open_page(viewport=DESKTOP)`` opens a second page (another person, another size) in a fresh
context within the same test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DEMO_PASSWORD = "duty2026"  # seed_demo's logins; factories use staff.tests.factories.PASSWORD

SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    '.btn, select, textarea, input:not([type=hidden]):not([type=checkbox]):not([type=radio])'))
  .filter((el) => el.offsetParent !== null)
  .map((el) => ({id: el.id || el.name || el.className, h: el.getBoundingClientRect().height}))
  .filter((box) => box.h > 0 && box.h < 44)"""


@pytest.fixture(scope="module")
def chromium():
    """One headless chromium per test module. Playwright's sync API keeps an event loop in this
    thread, and Django refuses ORM calls beside a running loop unless told it is safe (it is:
    nothing here is async), hence DJANGO_ALLOW_ASYNC_UNSAFE for the module's lifetime."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()


@pytest.fixture
def open_page(chromium):
    """Factory for pages in fresh contexts (own cookies): ``open_page(viewport=PHONE,
    locale="zh-CN")``. Script errors and CSP refusals on any of them fail the test."""
    contexts = []
    errors: list[str] = []

    def open_(viewport: dict | None = None, locale: str = "zh-CN"):
        context = chromium.new_context(viewport=viewport or PHONE, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on(
            "console",
            lambda msg: (
                ("Refused to" in msg.text or "Content Security Policy" in msg.text)
                and errors.append(f"console: {msg.text}")
            ),
        )
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, errors


@pytest.fixture
def page(open_page):
    """A phone-sized page with a Chinese browser, as on a duty teacher's phone."""
    return open_page()


@pytest.fixture
def shoot(request, tmp_path):
    """``shoot(page, name)`` saves a full-page screenshot named after the test module."""
    keep = os.environ.get("SCREENSHOT_DIR")
    prefix = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")

    def shot(page, name: str) -> Path:
        path = tmp_path / f"{prefix}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path

    return shot


def fits_phone(page, where: str = "", *, targets: bool = True) -> None:
    """No sideways scrolling at phone width and, unless ``targets=False``, no visible control
    shorter than 44 px."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{where or page.url} scrolls sideways: {width} px > {viewport}"
    if targets:
        small = page.evaluate(SMALL_TARGETS)
        assert not small, f"{where or page.url} has small tap targets: {small}"


def log_in(page, base: str, who, password: str | None = None) -> None:
    """Log in through the login form; ``who`` is a Staff, a User or a username. The password
    defaults to the factories' one (pass DEMO_PASSWORD for seed_demo's people)."""
    from django.urls import reverse

    from staff.tests.factories import PASSWORD

    password = password or PASSWORD

    user = getattr(who, "user", who)
    username = getattr(user, "username", user)
    page.goto(base + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
