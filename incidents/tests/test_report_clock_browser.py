"""The reporting deadlines page in a real browser at phone width: the bureau official starts
from the 20/40 set and saves it; the school's office reads it. And the first report with its
optional facts opened. No sideways scrolling, tap targets at least 44 px, no CSP violation.
Screenshots go to SCREENSHOT_DIR when set."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents.models import ReportingPolicy
from tests.browserkit import fits_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_official_saves_the_province_deadlines_and_the_school_reads_them(
    page, live_server, cast, shoot
):
    url = live_server.url + reverse("incidents:report-clocks")
    log_in(page, live_server.url, cast.official)
    page.goto(live_server.url + reverse("incidents:bureau"))
    with page.expect_navigation():
        page.click("#link-report-clocks")
    fits_phone(page, "report clocks (bureau)")
    shoot(page, "bureau-defaults-390")
    with page.expect_navigation():
        page.click("#preset-province")
    assert page.input_value("input[name='1-verbal']") == "20"
    page.fill("input[name='3-daily_hour']", "18")
    with page.expect_navigation():
        page.click("form[novalidate] button[type=submit]")
    assert page.url == url
    assert not page.errors, page.errors
    rows = dict(ReportingPolicy.objects.values_list("severity", "written_minutes"))
    assert rows == {"1": 40, "2": 40, "3": 60}
    assert ReportingPolicy.objects.get(severity="3").daily_hour == 18

    page.context.clear_cookies()
    log_in(page, live_server.url, cast.admin)
    page.goto(url)
    fits_phone(page, "report clocks (school)")
    assert "20" in page.inner_text(".clock-rule-1") and "18:00" in page.inner_text(".clock-rule-3")
    assert not page.errors, page.errors
    shoot(page, "school-reads-390")


def test_the_first_report_with_its_optional_facts_fits_a_phone(page, live_server, cast, shoot):
    from incidents.models import Incident
    from incidents.tests.factories_incident import shift_now

    shift_now(cast)
    log_in(page, live_server.url, cast.teacher)
    page.goto(live_server.url + reverse("incidents:report"))
    page.fill("#id_location", "教学楼三楼")
    page.fill("#id_summary", "三楼配电间冒烟，已疏散学生。")
    page.click(".report-more summary")
    page.check("input[name=services_called][value='119']")
    page.fill("#id_casualties_injured", "1")
    page.fill("#id_first_measures", "切断电源，疏散三楼学生。")
    fits_phone(page, "report with more facts")
    shoot(page, "report-more-facts-390")
    with page.expect_navigation():
        page.click("button[type=submit].btn-danger")
    incident = Incident.objects.get()
    assert incident.services_called == ["119"] and incident.casualties_injured == 1
    assert not page.errors, page.errors
