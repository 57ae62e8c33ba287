"""The review, plan, drill and statistics pages in a real browser at phone width: no sideways
scrolling, tap targets at least 44 px, no CSP violation; the principal sends a report back
then accepts it by the labelled buttons. Screenshots go to SCREENSHOT_DIR when set."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from incidents.models import PostIncidentReport, ReportStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TAPS = (
    ".btn, .list-group-item-action, select, textarea, "
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
)
SMALL = """(sel) => Array.from(document.querySelectorAll(sel))
  .filter((el) => el.offsetParent !== null)
  .map((el) => ({t: (el.innerText || el.name || '').trim().slice(0, 30),
                 h: el.getBoundingClientRect().height}))
  .filter((b) => b.h > 0 && b.h < 44)"""


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def page(_allow_orm_beside_playwright, live_server, settings, tmp_path):
    from playwright.sync_api import sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.problems = []
        page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and page.problems.append(m.text),
        )
        page.on("pageerror", lambda exc: page.problems.append(str(exc)))
        page.base = live_server.url
        page.shots = tmp_path
        yield page
        browser.close()


def log_in(page, username):
    page.context.clear_cookies()
    page.goto(page.base + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "duty2026")
    with page.expect_navigation():
        page.click("form button[type=submit]")


def visit(page, url, name):
    page.goto(page.base + url)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways: {width}px"
    assert not page.evaluate(SMALL, TAPS), f"{name}: small tap targets"
    assert not page.problems, page.problems
    path = page.shots / f"{name}-390.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("SCREENSHOT_DIR"):
        Path(os.environ["SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(os.environ["SCREENSHOT_DIR"]) / path.name)


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
