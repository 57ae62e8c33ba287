"""The principal's assessment journey in a real browser: at month end the principal opens the
month's scores (ranking, shortlist, failing people), drills into the person below the pass
mark (parts, the inspection's notes, the measured metrics that inform but do not score), then
opens the penalty the leader proposed for them and approves it with a reason; the person is
told. At 1280 px and at 390 px; screenshots go to SCREENSHOT_DIR when set."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from assessment.models import Proposal, ProposalStatus
from assessment.services.record import compute_month
from assessment.tests.factories_record import criterion, inspect
from notifications.models import Notice
from staff.tests.factories import PASSWORD
from tests.browserkit import DESKTOP, PHONE, fits_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


def test_the_principal_reads_the_months_scores_and_approves_a_penalty(
    live_server, open_page, cast, shoot, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cast.principal.user.set_password(PASSWORD)
    cast.principal.user.save(update_fields=["password"])
    month = timezone.localdate().replace(day=1)
    rules = criterion(cast.school, "20", name="遵守值班制度")
    logs = criterion(cast.school, "20", name="值班记录完整")
    inspect(cast.school, month, cast.leader, {
        (cast.teacher, rules): "19", (cast.teacher, logs): "19",
        (cast.guard, rules): "6", (cast.guard, logs): "8",
    }, notes="夜班22:00巡查未到岗，交接班记录缺失。")  # fmt: skip
    compute_month(school=cast.school, month=month)
    penalty = Proposal.objects.create(
        school=cast.school, subject=cast.guard, kind="penalty", action="verbal", month=month,
        reason="夜班巡查未到岗。", evidence="月度检查记录", proposed_by=cast.leader.user,
    )  # fmt: skip
    base = live_server.url

    desk = open_page(DESKTOP)
    log_in(desk, base, cast.principal)
    desk.goto(base + reverse("assessment:home"))
    desk.click("#assessment-links >> text=月度得分")
    table = desk.locator("#scores-table tbody tr")
    expect(table.first).to_contain_text(cast.teacher.name)  # the ranking, best first
    expect(desk.locator("#shortlist")).to_contain_text(cast.teacher.name)  # 95 ≥ 90
    expect(desk.locator("#failing")).to_contain_text(cast.guard.name)  # 35 < 60
    shoot(desk, "1-scores-1280")

    # One click to the person below the pass mark: parts, the inspection's findings, metrics.
    desk.locator("#failing a", has_text=cast.guard.name).click()
    expect(desk.locator("#month-total")).to_have_text("35.0")
    expect(desk.locator(".inspection-card")).to_contain_text("交接班记录缺失")
    expect(desk.locator("#metrics-note")).to_contain_text("不计入得分")
    shoot(desk, "2-person-1280")

    # The same pages on the principal's phone.
    phone = open_page(PHONE)
    log_in(phone, base, cast.principal)
    for name, url in (
        ("4-scores-390", reverse("assessment:scores")),
        ("5-person-390", reverse("assessment:person-month", args=[cast.guard.pk])),
        ("6-record-390", reverse("assessment:record", args=[cast.guard.pk])),
    ):
        phone.goto(base + url)
        fits_phone(phone, name, targets=False)
        shoot(phone, name)

    # The proposed penalty: approved with a reason.
    desk.goto(base + reverse("assessment:proposal", args=[penalty.pk]))
    desk.fill("textarea[name=decision_note]", "经核实情况属实，予以口头警告，请本人书面说明。")
    with desk.expect_navigation():
        desk.click("button[name=decision][value=approve]")
    expect(desk.locator("main")).to_contain_text(zh(ProposalStatus.APPROVED.label))
    shoot(desk, "3-approved-1280")
    penalty.refresh_from_db()
    assert penalty.status == ProposalStatus.APPROVED and penalty.decided_by == cast.principal.user
    assert penalty.decision_note.startswith("经核实")
    assert Notice.objects.filter(recipient=cast.guard.user, channel="inapp").exists()
