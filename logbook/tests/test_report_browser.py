"""The report pages in a real browser at phone width: they fit, their targets are large, and
the CSP sees nothing inline. Screenshots are kept under SCREENSHOT_DIR when it is set."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browserkit import DEMO_PASSWORD, NAV_TARGETS, fits_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit(page, base: str, url: str, shoot, name: str) -> None:
    """Open ``url``: it answers 200, fits the phone, and the browser saw no error."""
    response = page.goto(f"{base}{url}")
    assert response.status == 200, f"{url}: {response.status}"
    fits_phone(page, name, selector=NAV_TARGETS)
    shoot(page, name)
    assert not page.errors, page.errors


def test_the_principal_reads_the_day_reports_up_and_searches_the_archive(demo, page, shoot):
    log_in(page, demo.url, "principal", DEMO_PASSWORD, lands_on=reverse("home"))
    visit(page, demo.url, reverse("logbook:daily"), shoot, "report-daily-390")
    expect(page.locator("h1")).to_contain_text("值班日报")
    visit(page, demo.url, reverse("logbook:report-list"), shoot, "report-list-390")
    expect(page.locator("h1")).to_contain_text("报送")
    page.click("a.btn-primary >> text=/报送|Report/")
    assert page.locator("main form").count() >= 1, "the report form opens"
    fits_phone(page, "report form", selector=NAV_TARGETS)
    shoot(page, "report-form-390")
    visit(page, demo.url, reverse("logbook:log-archive") + "?problems=on", shoot,
          "report-archive-390")  # fmt: skip
    expect(page.locator("h1")).to_contain_text("值班记录")


def test_the_bureau_sees_the_schools_and_its_periods(demo, page, shoot):
    log_in(page, demo.url, "bureau", DEMO_PASSWORD, lands_on=reverse("home"))
    visit(page, demo.url, reverse("logbook:bureau-daily"), shoot, "report-bureau-daily-390")
    expect(page.locator("main")).to_contain_text("示范区实验小学")  # its school is listed
    visit(page, demo.url, reverse("logbook:bureau-periods"), shoot, "report-bureau-periods-390")
    expect(page.locator("h1")).to_contain_text("报送")
