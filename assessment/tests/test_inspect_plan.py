"""Rescheduling and cancelling a planned inspection: a date in its month or later, an inspector
of the leadership, the reminder sent again (once) after a change; a cancel needs a reason and a
ticked box checked on the server; a completed inspection is neither changed nor cancelled; a
cancelled one no longer counts as the month's comprehensive inspection. Only the inspector or
the office; another school gets 404."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessment.models import Inspection, InspectionStatus
from assessment.services import inspection as services
from assessment.tests.factories_inspect import as_, planned
from notifications.models import Notice
from roster.timing import localize
from staff.models import Role
from staff.tests.factories import make_staff

pytestmark = pytest.mark.django_db


def _today(cast):
    return services.school_today(cast.school)


def _eve(cast, day):
    """16:05 the afternoon before ``day``, in the school's zone: reminder time."""
    return localize(datetime.combine(day - timedelta(days=1), time(16, 5)), cast.school.time_zone)


def _snapshot(inspection):
    return Inspection.objects.filter(pk=inspection.pk).values().get()


def _mark_done(inspection):
    Inspection.objects.filter(pk=inspection.pk).update(
        status=InspectionStatus.DONE, done_at=timezone.now()
    )
    inspection.refresh_from_db()


# ---- services ---------------------------------------------------------------------------------


def test_a_rescheduled_inspection_is_reminded_again_once_on_its_new_date(cast):
    day = _today(cast) + timedelta(days=2)
    inspection = planned(cast, day=day)
    assert services.remind_inspectors(now=_eve(cast, day)) == 1
    inspection.refresh_from_db()
    assert inspection.reminded_at is not None
    first_key = services.remind_key(inspection)

    new_day = day + timedelta(days=3)
    saved, changed = services.reschedule_inspection(
        inspection=inspection, planned_on=new_day, inspector=cast.leader, actor=as_(cast.leader)
    )
    assert changed and saved.planned_on == new_day and saved.reminded_at is None
    assert saved.month == inspection.month  # it still counts for its month
    assert services.remind_key(saved) != first_key
    assert services.remind_inspectors(now=_eve(cast, day)) == 0  # not before the new eve
    assert services.remind_inspectors(now=_eve(cast, new_day)) == 1
    assert services.remind_inspectors(now=_eve(cast, new_day) + timedelta(hours=1)) == 0
    to_leader = Notice.objects.filter(recipient=cast.leader.user, channel="inapp")
    assert to_leader.filter(event=first_key).count() == 1
    assert to_leader.filter(event=services.remind_key(saved)).count() == 1


def test_a_new_inspector_is_reminded_and_an_unchanged_plan_keeps_its_reminder(cast):
    day = _today(cast) + timedelta(days=2)
    inspection = planned(cast, day=day)
    services.remind_inspectors(now=_eve(cast, day))
    inspection.refresh_from_db()
    reminded = inspection.reminded_at
    same, changed = services.reschedule_inspection(
        inspection=inspection, planned_on=day, inspector=cast.leader, actor=as_(cast.admin)
    )
    assert not changed and same.reminded_at == reminded  # nothing to remind again
    moved, changed = services.reschedule_inspection(
        inspection=inspection, planned_on=day, inspector=cast.principal, actor=as_(cast.admin)
    )
    assert changed and moved.inspector == cast.principal and moved.reminded_at is None
    assert services.remind_inspectors(now=_eve(cast, day) + timedelta(minutes=10)) == 1
    key = services.remind_key(moved)
    assert Notice.objects.filter(event=key, recipient=cast.principal.user).exists()


@pytest.mark.parametrize("bad", ["before_month", "teacher", "other_school", "inactive"])
def test_bad_plans_are_refused_and_nothing_is_saved(cast, bad):
    inspection = planned(cast)
    before = _snapshot(inspection)
    planned_on, inspector = _today(cast), cast.leader
    if bad == "before_month":
        planned_on = inspection.month - timedelta(days=1)
    elif bad == "teacher":
        inspector = cast.teacher
    elif bad == "other_school":
        inspector = cast.other_admin
    else:
        inspector = make_staff(cast.school, Role.LEADER)
        inspector.active = False
        inspector.save(update_fields=["active"])
    with pytest.raises(ValidationError) as caught:
        services.reschedule_inspection(
            inspection=inspection, planned_on=planned_on, inspector=inspector,
            actor=as_(cast.admin),
        )  # fmt: skip
    field = "planned_on" if bad == "before_month" else "inspector"
    assert field in caught.value.error_dict
    assert _snapshot(inspection) == before


def test_a_spot_check_is_not_moved_ahead(cast):
    spot = planned(cast, kind="spot")
    with pytest.raises(ValidationError):
        services.reschedule_inspection(
            inspection=spot, planned_on=_today(cast) + timedelta(days=1), inspector=cast.leader,
            actor=as_(cast.leader),
        )  # fmt: skip
    assert Inspection.objects.get(pk=spot.pk).planned_on == _today(cast)


def test_cancelling_needs_a_reason_and_then_the_month_has_no_inspection(cast):
    today = _today(cast)
    inspection = planned(cast)
    assert services.month_warning(cast.school, today) == ""
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(ValidationError):
            services.cancel_inspection(inspection=inspection, reason=reason, actor=as_(cast.admin))
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.PLANNED
    done = services.cancel_inspection(
        inspection=inspection, reason="  上级检查冲突  ", actor=as_(cast.leader)
    )
    assert done.status == InspectionStatus.CANCELLED
    assert done.notes.endswith("上级检查冲突")
    assert services.month_warning(cast.school, today) != ""  # a cancelled one does not count
    with pytest.raises(ValidationError):  # nor is it changed or cancelled again
        services.reschedule_inspection(
            inspection=done, planned_on=today, inspector=cast.leader, actor=as_(cast.admin)
        )
    with pytest.raises(ValidationError):
        services.cancel_inspection(inspection=done, reason="again", actor=as_(cast.admin))


def test_a_cancelled_inspection_is_not_reminded(cast):
    day = _today(cast) + timedelta(days=2)
    inspection = planned(cast, day=day)
    services.cancel_inspection(inspection=inspection, reason="停课", actor=as_(cast.admin))
    assert services.remind_inspectors(now=_eve(cast, day)) == 0
    assert not Notice.objects.filter(event__startswith=f"inspection.remind:{inspection.pk}:")


def test_a_completed_inspection_is_neither_changed_nor_cancelled(cast):
    inspection = planned(cast)
    _mark_done(inspection)
    before = _snapshot(inspection)
    with pytest.raises(ValidationError, match="已完成"):
        services.reschedule_inspection(
            inspection=inspection, planned_on=_today(cast), inspector=cast.principal,
            actor=as_(cast.admin),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="已完成"):
        services.cancel_inspection(inspection=inspection, reason="晚了", actor=as_(cast.admin))
    assert _snapshot(inspection) == before


def test_only_the_inspector_or_the_office_changes_the_plan(cast):
    inspection = planned(cast)
    other_leader = make_staff(cast.school, Role.LEADER)
    for who in (other_leader, cast.teacher, cast.other_admin):
        with pytest.raises(PermissionDenied):
            services.reschedule_inspection(
                inspection=inspection, planned_on=_today(cast), inspector=other_leader,
                actor=as_(who),
            )  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.cancel_inspection(inspection=inspection, reason="x", actor=as_(who))
    assert Inspection.objects.get(pk=inspection.pk).inspector == cast.leader
    for who in (cast.leader, cast.principal, cast.admin):
        assert services.may_change_plan(as_(who), inspection)


# ---- pages ------------------------------------------------------------------------------------


def _urls(inspection):
    return (
        reverse("assessment:inspection-detail", args=[inspection.pk]),
        reverse("assessment:inspection-plan", args=[inspection.pk]),
        reverse("assessment:inspection-cancel", args=[inspection.pk]),
    )


def test_the_inspector_reschedules_on_the_page(client, cast):
    inspection = planned(cast)
    detail, plan, _cancel = _urls(inspection)
    client.force_login(cast.leader.user)
    page = client.get(detail).content.decode()
    assert 'id="plan-form"' in page and 'id="cancel-form"' in page
    assert "<script>" not in page and "onclick" not in page  # no inline script (CSP)
    before = _snapshot(inspection)
    bad = client.post(plan, {"plan-planned_on": f"{inspection.month - timedelta(days=1):%Y-%m-%d}",
                             "plan-inspector": cast.leader.pk})  # fmt: skip
    assert bad.status_code == 400 and "当月或之后" in bad.content.decode()
    bad = client.post(plan, {"plan-planned_on": "not a date", "plan-inspector": cast.teacher.pk})
    assert bad.status_code == 400
    assert _snapshot(inspection) == before
    new_day = _today(cast) + timedelta(days=3)
    response = client.post(
        plan, {"plan-planned_on": f"{new_day:%Y-%m-%d}", "plan-inspector": cast.principal.pk}
    )
    assert response.status_code == 302 and response["Location"] == detail
    inspection.refresh_from_db()
    assert inspection.planned_on == new_day and inspection.inspector == cast.principal
    assert inspection.reminded_at is None
    # The plan is handed to the principal: the leader may no longer change it.
    assert client.post(plan, {"plan-planned_on": f"{new_day:%Y-%m-%d}",
                              "plan-inspector": cast.leader.pk}).status_code == 403  # fmt: skip
    assert 'id="plan-form"' not in client.get(detail).content.decode()


def test_cancelling_on_the_page_needs_the_ticked_box_and_a_reason(client, cast):
    inspection = planned(cast)
    detail, _plan, cancel = _urls(inspection)
    client.force_login(cast.admin.user)
    unticked = client.post(cancel, {"cancel-reason": "区里统一检查"})
    assert unticked.status_code == 400
    body = unticked.content.decode()
    assert "请先勾选确认框" in body and "区里统一检查" in body  # the reason is kept
    no_reason = client.post(cancel, {"cancel-reason": "  ", "confirm": "1"})
    assert no_reason.status_code == 400 and "取消原因" in no_reason.content.decode()
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.PLANNED
    done = client.post(cancel, {"cancel-reason": "区里统一检查", "confirm": "1"})
    assert done.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.CANCELLED
    page = client.get(detail).content.decode()
    assert 'id="cancelled"' in page and "区里统一检查" in page
    assert 'id="plan-form"' not in page and 'id="score-person"' not in page
    listing = client.get(reverse("assessment:inspections"),
                         {"month": f"{inspection.month:%Y-%m}"}).content.decode()  # fmt: skip
    assert "已取消" in listing
    warning = services.month_warning(cast.school, inspection.month)
    assert warning and warning in listing  # a cancelled one does not count as planned


def test_a_completed_inspection_is_refused_on_the_pages_with_a_message(client, cast):
    inspection = planned(cast)
    _mark_done(inspection)
    before = _snapshot(inspection)
    detail, plan, cancel = _urls(inspection)
    client.force_login(cast.principal.user)
    assert 'id="plan-form"' not in client.get(detail).content.decode()
    response = client.post(
        plan,
        {"plan-planned_on": f"{_today(cast):%Y-%m-%d}", "plan-inspector": cast.principal.pk},
        follow=True,
    )
    assert "已完成，不能再修改" in response.content.decode()
    response = client.post(cancel, {"cancel-reason": "x", "confirm": "1"}, follow=True)
    assert "已完成，不能再取消" in response.content.decode()
    assert _snapshot(inspection) == before


def test_the_plan_pages_refuse_others(client, cast):
    inspection = planned(cast)
    before = _snapshot(inspection)
    _detail, plan, cancel = _urls(inspection)
    data = {"plan-planned_on": f"{_today(cast):%Y-%m-%d}", "plan-inspector": cast.principal.pk,
            "cancel-reason": "x", "confirm": "1"}  # fmt: skip
    other_leader = make_staff(cast.school, Role.LEADER)
    for who, status in ((cast.teacher, 403), (other_leader, 403), (cast.other_admin, 404)):
        client.force_login(who.user)
        assert client.post(plan, data).status_code == status
        assert client.post(cancel, data).status_code == status
    client.force_login(cast.leader.user)
    assert client.get(plan).status_code == 405
    assert _snapshot(inspection) == before


# ---- on a phone ---------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_inspector_moves_then_cancels_on_a_phone(live_server, page, shoot, cast):
    from tests.browserkit import NAV_TARGETS, fits_phone, log_in

    inspection = planned(cast)
    base = live_server.url
    log_in(page, base, cast.leader)
    page.goto(base + reverse("assessment:inspection-detail", args=[inspection.pk]))
    fits_phone(page, "the planned inspection", selector=NAV_TARGETS)
    shoot(page, "planned-390")
    new_day = _today(cast) + timedelta(days=4)
    page.fill("#id_plan-planned_on", f"{new_day:%Y-%m-%d}")
    with page.expect_navigation():
        page.click("#plan-save")
    inspection.refresh_from_db()
    assert inspection.planned_on == new_day and inspection.reminded_at is None

    page.fill("#id_cancel-reason", "区里统一检查，改期")
    with page.expect_navigation():
        page.click("#cancel-inspection")  # the box not ticked: refused, the reason kept
    assert "请先勾选确认框" in page.locator("#cancel-errors").inner_text()
    assert page.input_value("#id_cancel-reason") == "区里统一检查，改期"
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.PLANNED
    fits_phone(page, "the refused cancel")
    page.check("#cancel-confirm")
    with page.expect_navigation():
        page.click("#cancel-inspection")
    assert page.locator("#cancel-form").count() == 0
    assert "已取消" in page.locator("#cancelled").inner_text()
    fits_phone(page, "the cancelled inspection", selector=NAV_TARGETS)
    shoot(page, "cancelled-390")
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.CANCELLED


# ---- the previous inspector is told -----------------------------------------------------------


def _told(member, prefix):
    return Notice.objects.filter(recipient=member.user, channel="inapp", event__startswith=prefix)


def test_a_handover_tells_the_previous_inspector_once(cast):
    day = _today(cast) + timedelta(days=2)
    inspection = planned(cast, day=day)
    saved, changed = services.reschedule_inspection(
        inspection=inspection, planned_on=day, inspector=cast.principal, actor=as_(cast.admin)
    )
    assert changed
    told = _told(cast.leader, f"inspection.handover:{inspection.pk}:")
    assert told.count() == 1
    notice = told.get()
    assert notice.event == f"inspection.handover:{inspection.pk}:{cast.leader.pk}:{day:%Y-%m-%d}"
    assert cast.principal.name in notice.body and f"{day:%Y-%m-%d}" in notice.body
    assert notice.url == reverse("assessment:inspection-detail", args=[inspection.pk])
    # Saving the same plan again: nothing changes and nobody is told anything new.
    before = Notice.objects.count()
    _same, changed = services.reschedule_inspection(
        inspection=saved, planned_on=day, inspector=cast.principal, actor=as_(cast.admin)
    )
    assert not changed and Notice.objects.count() == before
    # The new inspector is not told of a hand-over; the reminder tells them the eve before.
    assert not _told(cast.principal, "inspection.handover:").exists()
    assert services.remind_inspectors(now=_eve(cast, day)) == 1
    assert _told(cast.principal, f"inspection.remind:{inspection.pk}:").count() == 1
    assert not _told(cast.leader, f"inspection.remind:{inspection.pk}:").exists()


def test_a_handover_with_a_new_date_names_both_dates(cast):
    day = _today(cast) + timedelta(days=2)
    inspection = planned(cast, day=day)
    new_day = day + timedelta(days=1)
    services.reschedule_inspection(
        inspection=inspection, planned_on=new_day, inspector=cast.principal, actor=as_(cast.admin)
    )
    notice = _told(cast.leader, "inspection.handover:").get()
    assert f"{day:%Y-%m-%d}" in notice.body and f"{new_day:%Y-%m-%d}" in notice.body
    assert notice.event.endswith(f":{cast.leader.pk}:{day:%Y-%m-%d}")


def test_a_new_date_alone_is_no_handover(cast):
    inspection = planned(cast, day=_today(cast) + timedelta(days=2))
    services.reschedule_inspection(
        inspection=inspection, planned_on=_today(cast) + timedelta(days=5),
        inspector=cast.leader, actor=as_(cast.admin),
    )  # fmt: skip
    assert not Notice.objects.filter(event__startswith="inspection.handover:").exists()


def test_cancelling_tells_the_inspector_with_the_reason_once(cast):
    day = _today(cast) + timedelta(days=2)
    inspection = planned(cast, day=day)
    services.cancel_inspection(
        inspection=inspection, reason="  区里统一检查  ", actor=as_(cast.admin)
    )
    notice = _told(cast.leader, "inspection.cancel:").get()
    assert notice.event == f"inspection.cancel:{inspection.pk}"
    assert "区里统一检查" in notice.body and f"{day:%Y-%m-%d}" in notice.body
    assert "取消" in notice.subject
    assert not Notice.objects.filter(recipient=cast.admin.user).exists()  # not the actor
    with pytest.raises(ValidationError):  # a second cancel is refused and tells nobody
        services.cancel_inspection(inspection=inspection, reason="again", actor=as_(cast.admin))
    assert Notice.objects.filter(event=f"inspection.cancel:{inspection.pk}",
                                 channel="inapp").count() == 1  # fmt: skip


def test_the_actor_is_not_told_of_their_own_change(cast):
    day = _today(cast) + timedelta(days=2)
    handed = planned(cast, day=day)
    services.reschedule_inspection(
        inspection=handed, planned_on=day, inspector=cast.principal, actor=as_(cast.leader)
    )
    cancelled = planned(cast, day=day)
    services.cancel_inspection(inspection=cancelled, reason="病假", actor=as_(cast.leader))
    assert not Notice.objects.filter(recipient=cast.leader.user).exists()
    assert not Notice.objects.filter(event__startswith="inspection.handover:").exists()
    assert not Notice.objects.filter(event__startswith="inspection.cancel:").exists()


def test_the_page_hand_over_tells_the_previous_inspector(client, cast):
    inspection = planned(cast)
    _detail, plan, _cancel = _urls(inspection)
    client.force_login(cast.admin.user)
    data = {"plan-planned_on": f"{inspection.planned_on:%Y-%m-%d}",
            "plan-inspector": cast.principal.pk}  # fmt: skip
    assert client.post(plan, data).status_code == 302
    assert client.post(plan, data).status_code == 302  # saved again unchanged
    notice = _told(cast.leader, "inspection.handover:").get()
    assert "检查" in notice.subject and cast.principal.name in notice.body
