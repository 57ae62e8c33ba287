"""In a real browser, at phone and desktop width: the office creates a roster over days the
calendar only guesses, sees the banner with its link to the calendar, is refused publishing
without the confirmation and publishes with it."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from roster.calendar import official_years
from roster.models import Roster, RosterStatus, ShiftType
from tests.browserkit import DESKTOP, PHONE, fits_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_the_office_is_warned_and_confirms_before_publishing_guessed_days(
    live_server, open_page, shoot, cast, viewport
):
    # A shift type needing nobody: only the calendar can stand in the way of publishing.
    ShiftType.objects.create(school=cast.school, name="白班", start_time=time(8),
                             duration_minutes=540, day_kinds=["school_day"])  # fmt: skip
    # A week in a year without official holiday data, at least a fortnight from the real today.
    first = max(date(official_years()[1] + 1, 3, 1), timezone.localdate() + timedelta(days=14))
    page = open_page(viewport)
    log_in(page, live_server.url, cast.admin)
    page.goto(live_server.url + "/roster/")
    assert str(official_years()[1]) in page.locator(".calendar-status").inner_text()
    page.fill("input[name=name]", "推测周")
    page.fill("input[name=start_date]", first.isoformat())
    page.fill("input[name=end_date]", (first + timedelta(days=6)).isoformat())
    page.locator("form[action$='/roster/new/'] button[type=submit]").click()
    banner = page.locator(".calendar-gaps")
    banner.wait_for()
    assert "7" in banner.inner_text() and "请先核对校历" in banner.inner_text()
    assert f"month={first:%Y-%m}" in banner.locator("a").get_attribute("href")
    if viewport is PHONE:
        fits_phone(page, "the editor with the calendar banner", targets=False)
    shoot(page, f"banner-{viewport['width']}")
    # Publishing without the box ticked is refused and says why; the draft stays a draft.
    page.fill("#publish-reason", "提前核对")
    page.locator(".publish-form button").click()
    page.locator(".alert-danger").wait_for()
    assert "我已核对校历" in page.locator(".alert-danger").inner_text()
    roster = Roster.objects.get(school=cast.school, name="推测周")
    assert roster.status == RosterStatus.DRAFT
    # Ticked: published, and the confirmation is recorded.
    page.check("#calendar-checked")
    page.locator(".publish-form button").click()
    page.locator(".alert-success").wait_for()
    roster.refresh_from_db()
    assert (roster.status, roster.publish_unverified_days) == (RosterStatus.PUBLISHED, 7)
    shoot(page, f"published-{viewport['width']}")
    # The calendar page the banner links to says which years are official.
    page.goto(f"{live_server.url}/roster/setup/calendar/?month={first:%Y-%m}")
    assert "推测" in page.locator("main").inner_text()
    shoot(page, f"calendar-{viewport['width']}")
