"""In a real browser at phone width (390 px): the gate guard registers a visitor (the "visited
before" hint shows for a returning one) and signs them out; screenshots are saved."""

from __future__ import annotations

from functools import partial

import pytest

from logbook.models import Visit
from logbook.tests.test_visit_services import ID_A
from tests import browserkit
from tests.browserkit import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TAP_TARGETS = (
    ".btn, .nav-link, .navbar-toggler, .list-group-item-action, .page-link, td > a, "
    "a[href^='tel:'], select, textarea, "
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
)
fits_phone = partial(browserkit.fits_phone, selector=TAP_TARGETS)


def register(page, name: str) -> None:
    page.click("#visit-register")
    page.fill("#id_name", name)
    page.fill("#id_phone", "+86 139-1234-5678")
    page.fill("#id_id_number", ID_A.lower())
    page.fill("#id_purpose", "送教材")


def test_the_guard_registers_a_visitor_and_signs_them_out_on_a_phone(
    live_server, page, shoot, cast
):
    log_in(page, live_server.url, cast.guard)
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
