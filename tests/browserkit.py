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
context within the same test. Every page carries ``page.errors``, the script errors and CSP
refusals seen so far, for a test that wants to assert on them mid-way. ``demo`` is the live
server with seed_demo's school (log in with DEMO_PASSWORD)."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DEMO_PASSWORD = "duty2026"  # seed_demo's logins; factories use staff.tests.factories.PASSWORD

# What fits_phone measures as tap targets (>= 44 px). FORM_TARGETS: buttons and form fields;
# NAV_TARGETS adds navigation, list items, pager and links alone in a table cell (links inside
# running text are exempt). A test may pass its own selector.
FORM_TARGETS = (
    ".btn, select, textarea, input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
)
NAV_TARGETS = (
    ".btn, .nav-link, .dropdown-item, .navbar-toggler, .navbar-brand, .list-group-item-action, "
    ".page-link, td > a, a[href^='tel:'], select, textarea, "
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
)
# page.evaluate(SMALL_TARGETS, selector): the visible matches under 44 px (FORM_TARGETS when
# no selector is given).
SMALL_TARGETS = (
    """(selector) => Array.from(document.querySelectorAll(selector || `"""
    + FORM_TARGETS
    + """`))
  .filter((el) => el.offsetParent !== null)
  .map((el) => ({id: (el.id || el.innerText || el.name || el.className).trim().slice(0, 40),
                 h: el.getBoundingClientRect().height}))
  .filter((box) => box.h > 0 && box.h < 44)"""
)


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

    def open_(viewport: dict | None = None, locale: str = "zh-CN", timeout: int = 10_000):
        context = chromium.new_context(viewport=viewport or PHONE, locale=locale)
        context.set_default_timeout(timeout)
        contexts.append(context)
        page = context.new_page()
        page.errors = errors
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on(
            "console",
            lambda msg: (
                ("Refused" in msg.text or "Content Security Policy" in msg.text)
                and errors.append(f"console: {msg.text} at {msg.location}")
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

    def shot(page, name: str, *, full_page: bool = True) -> Path:
        path = tmp_path / f"{prefix}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path

    return shot


@pytest.fixture
def demo(live_server, settings):
    """The live server with seed_demo's school, hashed with a fast hasher (the real PBKDF2 costs
    about a second a login)."""
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    return live_server


def small_targets(page, selector: str = FORM_TARGETS) -> list[dict]:
    """The visible controls matching ``selector`` that are shorter than 44 px."""
    return page.evaluate(SMALL_TARGETS, selector)


def fits_phone(
    page, where: str = "", *, targets: bool = True, selector: str = FORM_TARGETS
) -> None:
    """No sideways scrolling at phone width and, unless ``targets=False``, no visible control
    matching ``selector`` shorter than 44 px."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{where or page.url} scrolls sideways: {width} px > {viewport}"
    if targets:
        small = small_targets(page, selector)
        assert not small, f"{where or page.url} has small tap targets: {small}"


def log_in(
    page, base: str, who, password: str | None = None, *, lands_on: str | None = None
) -> None:
    """Log in through the login form; ``who`` is a Staff, a User or a username. The password
    defaults to the factories' one (pass DEMO_PASSWORD for seed_demo's people). With
    ``lands_on`` (a path, e.g. reverse("home")) the login must end on that page."""
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
    if lands_on is not None:
        assert page.url == base + lands_on, f"login as {username} failed: {page.url}"
