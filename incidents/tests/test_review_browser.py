"""The review, plan, drill and statistics pages in a real browser at phone width: no sideways
scrolling, tap targets at least 44 px, no CSP violation; the principal sends a report back
then accepts it by the labelled buttons. Screenshots go to SCREENSHOT_DIR when set."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents.models import PostIncidentReport, ReportStatus
from tests.browserkit import DEMO_PASSWORD, fits_phone
from tests.browserkit import log_in as kit_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAPS = (
    ".btn, .list-group-item-action, select, textarea, "
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
)


@pytest.fixture
def page(demo, page, shoot):
    """The kit's phone page on the demo school, carrying its base URL and its camera."""
    page.base = demo.url
    page.shoot = shoot
    return page


def log_in(page, username):
    page.context.clear_cookies()
    kit_log_in(page, page.base, username, DEMO_PASSWORD)


def visit(page, url, name):
    page.goto(page.base + url)
    fits_phone(page, name, selector=TAPS)
    assert not page.errors, page.errors
    page.shoot(page, f"{name}-390")


def test_review_and_plan_pages_fit_a_phone_and_the_principal_decides(page):
    report = PostIncidentReport.objects.get(status=ReportStatus.SUBMITTED)
    incident_id = report.incident_id
    log_in(page, "principal")
    visit(page, reverse("incidents:reviews"), "review-queue")
    visit(page, reverse("incidents:review", args=[incident_id]), "review-detail")
    page.fill("textarea[name=comment]", "请补充善后情况")
    with page.expect_navigation():
        page.click("#review-send-back")
    assert "请补充善后情况" in page.inner_text("#review-version-1")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    visit(page, reverse("incidents:stats"), "incident-stats")
    visit(page, reverse("incidents:plans"), "plan-list")
    plan_url = page.get_attribute("#plan-list a", "href")
    visit(page, plan_url, "plan-detail")
    visit(page, plan_url + "edit/", "plan-edit")
    visit(page, reverse("incidents:drills"), "drill-list")
    visit(page, reverse("incidents:drill-new"), "drill-new")

    writer = report.incident.reporter.user.username
    log_in(page, writer)
    visit(page, reverse("incidents:review-edit", args=[incident_id]), "review-edit")
    with page.expect_navigation():
        page.click("#review-save")
    with page.expect_navigation():
        page.click("#review-submit")
    log_in(page, "principal")
    page.goto(page.base + reverse("incidents:review", args=[incident_id]))
    with page.expect_navigation():
        page.click("#review-accept")
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.versions.count() == 2
    visit(page, reverse("incidents:review", args=[incident_id]), "review-accepted")
