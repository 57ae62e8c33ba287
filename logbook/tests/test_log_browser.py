"""The duty log on a phone (390 px, Chromium): open from "on duty now", type, autosave, reload,
submit, be refused an edit, add an amendment and see it beside the original. Screenshots go to
pytest's tmp_path (and SCREENSHOT_DIR when set)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from logbook.models import DutyLog, LogAmendment, LogStatus
from logbook.tests.factories import make_roster, put_on_duty
from roster.models import Shift
from staff.models import Role
from tests.browserkit import fits_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teacher_fills_submits_and_amends_the_log_on_a_phone(live_server, page, shoot, cast):
    make_roster(cast.school, start=timezone.localdate() - timedelta(days=1), days=3)
    now = timezone.now()
    shift = Shift.objects.get(roster__school=cast.school, starts_at__lte=now, ends_at__gt=now)
    put_on_duty(shift, (cast.teacher, Role.TEACHER), (cast.leader, Role.LEADER))
    base = live_server.url

    log_in(page, base, cast.teacher)
    page.goto(base + reverse("logbook:now"))
    fits_phone(page, "on duty now")
    shoot(page, "now-390")
    with page.expect_navigation():
        page.click(f"#open-log-{shift.pk}")

    # Type; the draft saves itself after a pause; a reload shows the text.
    page.fill("#id_weather", "晴")
    page.fill("#id_students_present", "612")
    page.fill("#id_activities", "升旗仪式正常进行，课间巡查正常。")
    page.locator("#save-status [data-saved]").wait_for()
    fits_phone(page, "the draft log")
    shoot(page, "draft-saved-390")
    page.reload()
    assert page.input_value("#id_activities") == "升旗仪式正常进行，课间巡查正常。"
    assert page.input_value("#id_students_present") == "612"

    # Submitting without a summary is refused with the field marked; then it goes through.
    with page.expect_navigation():
        page.click("#submit-log")
    assert page.locator("#field-summary .invalid-feedback").is_visible()
    page.fill("#id_summary", "本班次校园秩序正常，无安全事故。")
    with page.expect_navigation():
        page.click("#submit-log")
    assert page.locator("#log-status").get_attribute("data-status") == LogStatus.SUBMITTED
    assert page.locator("#log-form").count() == 0
    shoot(page, "submitted-390")

    # An edit of the submitted log is refused.
    log = DutyLog.objects.get(shift=shift)
    token = page.locator("#amend-form input[name=csrfmiddlewaretoken]").input_value()
    refused = page.request.post(
        base + reverse("logbook:log-autosave", args=[log.pk]),
        form={"summary": "偷偷改", "version": str(log.version), "csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
    )
    assert "add an amendment" in refused.text() or "添加更正" in refused.text()
    log.refresh_from_db()
    assert log.summary == "本班次校园秩序正常，无安全事故。"

    # The correction is an amendment with a reason, shown beside the original.
    page.select_option("#id_field", "activities")
    page.fill("#id_text", "补记：15:30 组织消防疏散演练，全校用时3分20秒。")
    with page.expect_navigation():
        page.click("#amend-submit")
    assert page.locator("#id_reason.is-invalid").count() == 1  # no reason: refused
    assert not LogAmendment.objects.exists()
    page.fill("#id_reason", "交班前漏记演练")
    with page.expect_navigation():
        page.click("#amend-submit")
    field = page.locator("#field-activities")
    assert "升旗仪式正常进行" in field.locator(".log-original").inner_text()
    assert "消防疏散演练" in field.locator(".amendment").inner_text()
    assert "交班前漏记演练" in field.locator(".amendment").inner_text()
    fits_phone(page, "the submitted log with an amendment")
    field.scroll_into_view_if_needed()
    shoot(page, "amended-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    shoot(page, "amended-1280")


def test_two_tabs_conflict_and_offline_text_is_kept_and_restored(live_server, page, shoot, cast):
    make_roster(cast.school, start=timezone.localdate() - timedelta(days=1), days=3)
    now = timezone.now()
    shift = Shift.objects.get(roster__school=cast.school, starts_at__lte=now, ends_at__gt=now)
    put_on_duty(shift, (cast.teacher, Role.TEACHER))
    base = live_server.url
    log_in(page, base, cast.teacher)
    page.goto(base + reverse("logbook:now"))
    with page.expect_navigation():
        page.click(f"#open-log-{shift.pk}")
    url = page.url

    # Two tabs on the same draft: the second one's save is refused with a message.
    other = page.context.new_page()
    other.goto(url)
    page.fill("#id_summary", "第一个标签页写的")
    page.locator("#save-status [data-saved]").wait_for()
    other.fill("#id_summary", "第二个标签页写的")
    other.locator("#save-conflict").wait_for()
    shoot(other, "conflict-390")
    log = DutyLog.objects.get(shift=shift)
    assert log.summary == "第一个标签页写的"
    other.close()

    # Offline: the status says so and the text stays on the phone; back online it is saved.
    page.reload()
    page.context.set_offline(True)
    page.fill("#id_suggestions", "建议更换东侧楼梯口应急灯")
    page.locator("#save-status.text-danger").wait_for()
    shoot(page, "offline-390")
    page.close()
    page = page.context.new_page()
    page.context.set_offline(False)
    page.goto(url)  # the server still has the older text: this device's copy comes back
    assert page.input_value("#id_suggestions") == "建议更换东侧楼梯口应急灯"
    page.locator("#save-status [data-saved]").wait_for()
    log.refresh_from_db()
    assert log.suggestions == "建议更换东侧楼梯口应急灯"
