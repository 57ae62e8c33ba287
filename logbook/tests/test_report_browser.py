"""The report pages in a real browser at phone width: they fit, their targets are large, and
the CSP sees nothing inline. Screenshots are kept under SCREENSHOT_DIR when it is set."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import test_browser as frame
from tests.test_browser import assert_fits_phone, log_in

# The browser fixtures of the foundation's test, shared by name.
_allow_orm_beside_playwright = frame._allow_orm_beside_playwright
browser, demo, page, shots = frame.browser, frame.demo, frame.page, frame.shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit(page, base: str, url: str, shots, name: str) -> None:
    response = page.goto(f"{base}{url}")
    assert response.status == 200, f"{url}: {response.status}"
    assert_fits_phone(page, name)
    shots(page, name)
    assert not page.console.csp_violations(), page.console.csp_violations()
    assert not page.console.errors, page.console.errors


def test_the_principal_reads_the_day_reports_up_and_searches_the_archive(demo, page, shots):
    log_in(page, demo.url, "principal")
    visit(page, demo.url, reverse("logbook:daily"), shots, "report-daily-390")
    visit(page, demo.url, reverse("logbook:report-list"), shots, "report-list-390")
    page.click("a.btn-primary >> text=/报送|Report/")
    assert_fits_phone(page, "report form")
    shots(page, "report-form-390")
    visit(page, demo.url, reverse("logbook:log-archive") + "?problems=on", shots,
          "report-archive-390")  # fmt: skip


def test_the_bureau_sees_the_schools_and_its_periods(demo, page, shots):
    log_in(page, demo.url, "bureau")
    visit(page, demo.url, reverse("logbook:bureau-daily"), shots, "report-bureau-daily-390")
    visit(page, demo.url, reverse("logbook:bureau-periods"), shots, "report-bureau-periods-390")
