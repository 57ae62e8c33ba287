"""Journey 3 in a real browser: a teacher reports a severity III incident on a phone; the
principal's dashboard shows it; the principal opens it, reads the timeline (the escalation
notice to the principal is there), acknowledges, follows it to contained, sends the
post-incident report back with a comment, accepts the corrected one and closes the incident.

The escalation steps that a worker would run are run in-process (advance_due_escalations, the
periodic task's body); the leader's writing of the report goes through the review services.
Screenshots go to SCREENSHOT_DIR when set, else pytest's tmp_path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from incidents.categories import Status
from incidents.models import Incident
from incidents.models.review import ReportStatus
from incidents.tests.factories_incident import shift_now
from notifications.escalation import advance_due_escalations
from staff.queries import actor_for
from staff.tests.factories import PASSWORD
from tests.browserkit import DESKTOP, PHONE, fits_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


def write_report(cast, incident, *, lessons: str):
    from incidents.services import review

    writer = actor_for(cast.leader.user)
    report = review.save_report(
        incident=incident,
        actor=writer,
        fields={
            "process": "19:40 三楼烟雾报警，值班教师疏散学生，19:50 确认为配电箱短路冒烟。",
            "outcome": "无人员伤亡，配电箱已断电更换。",
            "causes": "配电箱线路老化。",
            "lessons": lessons,
        },
        actions=[
            review.ActionInput(
                text="全校配电箱排查",
                owner=cast.leader,
                due_on=timezone.localdate() + timedelta(days=7),
            )
        ],
    )
    review.submit_report(report=report, actor=writer)


def test_the_principal_follows_a_reported_incident_to_its_accepted_review(
    live_server, open_page, cast, shoot, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for person in (cast.teacher, cast.principal):
        person.user.set_password(PASSWORD)
        person.user.save(update_fields=["password"])
    shift_now(cast)
    base = live_server.url

    # A teacher on a phone: the list's big button, a short first report, severity III.
    phone = open_page(PHONE)
    log_in(phone, base, cast.teacher)
    phone.goto(base + reverse("incidents:list"))
    fits_phone(phone, targets=False)
    phone.click(".report-button")
    phone.select_option("#id_category", "natural")
    # The sub-categories follow the category without a page reload (htmx).
    expect(phone.locator("#id_subcategory option[value=earthquake]")).to_have_count(1)
    phone.select_option("#id_category", "accident")
    expect(phone.locator("#id_subcategory option[value=fire]")).to_have_count(1)
    phone.select_option("#id_subcategory", "fire")
    phone.select_option("#id_severity", "3")
    phone.fill("#id_location", "教学楼三楼配电间")
    phone.fill("#id_summary", "三楼配电间冒烟，烟雾报警器响，已疏散三楼学生。")
    fits_phone(phone, targets=False)
    shoot(phone, "1-teacher-report-390")
    with phone.expect_navigation():
        phone.click("button[type=submit].btn-danger")
    incident = Incident.objects.get()
    assert incident.severity == "3" and incident.reporter == cast.teacher
    fits_phone(phone, targets=False)
    shoot(phone, "2-teacher-reported-390")

    # The worker runs the first step: severity III tells the leader and the principal at once.
    advance_due_escalations()

    # The principal's dashboard shows it, not yet acknowledged.
    desk = open_page(DESKTOP)
    log_in(desk, base, cast.principal)
    desk.goto(base + reverse("incidents:list"))
    desk.click("text=校长工作台")
    row = desk.locator(".open-incidents a", has_text="教学楼三楼配电间")
    expect(row).to_have_count(1)
    assert "尚无人确认" in row.inner_text()
    shoot(desk, "3-principal-dashboard")

    # The incident page: the timeline names the principal among those notified.
    row.click()
    timeline = desk.locator(".incident-timeline")
    expect(timeline.locator(".timeline-notice")).to_have_count(1)
    assert cast.principal.name in timeline.locator(".timeline-notice").inner_text()
    shoot(desk, "4-principal-incident")

    # "I am handling it", then responding and contained.
    desk.click(".acknowledge-button")
    expect(desk.locator(".incident-status")).to_have_text("已确认")
    desk.click(".status-responding")
    expect(desk.locator(".incident-status")).to_have_text("处置中")
    desk.click(".status-contained")
    expect(desk.locator(".incident-status")).to_have_text("已控制")

    # The leader writes the post-incident report; the principal sends it back with a comment.
    incident.refresh_from_db()
    write_report(cast, incident, lessons="加强巡查。")
    desk.reload()
    desk.fill("#review-comment", "教训写得太笼统，请写明配电箱巡查的频次和责任人。")
    desk.click("#review-send-back")
    expect(desk.locator("#review-status")).to_have_text(zh(ReportStatus.RETURNED.label))
    shoot(desk, "5-principal-sent-back")

    # Corrected and resubmitted: accepted, then the incident closes.
    write_report(cast, incident, lessons="配电箱每月巡查一次，由总务主任负责并记录。")
    desk.reload()
    desk.click("#review-accept")
    expect(desk.locator("#review-status")).to_have_text(zh(ReportStatus.ACCEPTED.label))
    desk.goto(base + reverse("incidents:detail", args=[incident.pk]))
    desk.click(".status-closed")
    expect(desk.locator(".incident-status")).to_have_text("已结案")
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED and incident.closed_at
    shoot(desk, "6-principal-closed")

    # The same page on the principal's phone: it fits.
    desk.set_viewport_size(PHONE)
    fits_phone(desk, targets=False)
    shoot(desk, "7-principal-incident-390")
    assert not desk.errors, desk.errors
