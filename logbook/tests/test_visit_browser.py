"""In a real browser at phone width (390 px): the gate guard registers a visitor (the "visited
before" hint shows for a returning one) and signs them out; screenshots are saved."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from logbook.models import Visit
from logbook.tests.test_visit_services import ID_A
from staff.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
TAP_TARGETS = (
    ".btn, .nav-link, .navbar-toggler, .list-group-item-action, .page-link, td > a, "
    "a[href^='tel:'], select, textarea, "
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
)
SMALL = """([selector, min]) => Array.from(document.querySelectorAll(selector))
  .filter((el) => el.offsetParent !== null)
  .map((el) => ({text: (el.innerText || el.name || el.className).trim().slice(0, 40),
                 height: el.getBoundingClientRect().height}))
  .filter((box) => box.height > 0 && box.height < min)"""


@pytest.fixture
def browser_page(live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(locale="zh-CN", viewport=PHONE)
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: "Refused" in m.text and errors.append(m.text))
        yield page
        assert not errors, errors
        browser.close()


@pytest.fixture
def shoot(tmp_path):
    keep = os.environ.get("SCREENSHOT_DIR")

    def save(page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path

    return save


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def fits_phone(page, where: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{where} scrolls sideways: {width} px"
    small = page.evaluate(SMALL, [TAP_TARGETS, 44])
    assert not small, f"{where} has small tap targets: {small}"


def register(page, name: str) -> None:
    page.click("#visit-register")
    page.fill("#id_name", name)
    page.fill("#id_phone", "+86 139-1234-5678")
    page.fill("#id_id_number", ID_A.lower())
    page.fill("#id_purpose", "送教材")


def test_the_guard_registers_a_visitor_and_signs_them_out_on_a_phone(
    live_server, browser_page, shoot, cast
):
    page = browser_page
    log_in(page, live_server.url, cast.guard.user.username)
    page.goto(f"{live_server.url}/logbook/visitors/")
    fits_phone(page, "empty register")
    register(page, "张访客")
    page.locator("#visit-history-none").wait_for()  # first visit with this document
    fits_phone(page, "register form")
    shoot(page, "visit-register-form-390")
    with page.expect_navigation():
        page.click("#visit-save")
    visit = Visit.objects.get()
    item = page.locator(f"#on-campus-{visit.pk}")
    item.wait_for()
    assert "张访客" in item.inner_text()
    assert ID_A not in page.content()
    fits_phone(page, "register with a visitor on campus")
    shoot(page, "visit-on-campus-390")

    # The same person comes back: the hint says so before the form is sent.
    register(page, "张访客")
    page.locator("#visit-history-found").wait_for()
    assert "1" in page.locator("#visit-history-found").inner_text()
    shoot(page, "visit-returning-hint-390")
    page.click("text=取消")

    with page.expect_navigation():
        item.locator("button.visit-sign-out").click()
    page.locator(f"#on-campus-{visit.pk}").wait_for(state="detached")
    visit.refresh_from_db()
    assert visit.time_out is not None and visit.signed_out_by == cast.guard.user
    fits_phone(page, "register after sign-out")
    shoot(page, "visit-signed-out-390")

    # The visit's own page shows the masked number only.
    page.goto(f"{live_server.url}/logbook/visitors/{visit.pk}/")
    assert page.locator("#visit-id-masked").inner_text() == visit.id_masked
    fits_phone(page, "visit detail")
    shoot(page, "visit-detail-390")
