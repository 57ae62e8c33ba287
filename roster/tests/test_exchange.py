"""Swaps and leave: asking, answering, approving, and who may do which."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notice
from roster import exchange, services
from roster.models import (
    Assignment,
    LeaveRequest,
    RosterChange,
    RosterSettings,
    ShiftRequirement,
    ShiftType,
    SwapRequest,
)
from staff.models import Role
from staff.tests.factories import make_staff

pytestmark = pytest.mark.django_db
ALL_DAYS = ["school_day", "weekend", "holiday", "vacation"]


@pytest.fixture
def duty(cast):
    """A published two-day roster (Mon, Tue) 3+ weeks ahead, day and night shifts (weights 1,
    1.5) needing one teacher each, at most 2 duties a week:
    day 1: teacher (day), t2 (night, ends 08:00 on day 2); day 2: t3 (day), teacher (night)."""
    RosterSettings.objects.create(
        school=cast.school, weekly_cap=2, teachers_only_on_school_days=False
    )
    for name, start, minutes, weight in [("白班", time(8), 540, 1), ("夜班", time(17), 900, 1.5)]:
        shift_type = ShiftType.objects.create(
            school=cast.school, name=name, start_time=start, duration_minutes=minutes,
            weight=Decimal(weight), day_kinds=ALL_DAYS,
        )  # fmt: skip
        ShiftRequirement.objects.create(shift_type=shift_type, role=Role.TEACHER, count=1)
    soon = timezone.localdate() + timedelta(days=21)
    day1 = soon + timedelta(days=-soon.weekday() % 7)  # a Monday: both days in one week
    roster = services.create_roster(school=cast.school, name="测试", start=day1,
                                    end=day1 + timedelta(days=1), actor=None)  # fmt: skip
    t2 = make_staff(cast.school, Role.TEACHER, name="李二")
    t3 = make_staff(cast.school, Role.TEACHER, name="张三")

    def put(offset, kind, who):
        shift = roster.shifts.get(date=day1 + timedelta(days=offset), shift_type__name=kind)
        return services.assign_duty(
            shift=shift, staff=who, role=Role.TEACHER, actor=None
        ).assignment

    duties = SimpleNamespace(
        roster=roster, t2=t2, t3=t3,
        d1_day=put(0, "白班", cast.teacher), d1_night=put(0, "夜班", t2),
        d2_day=put(1, "白班", t3), d2_night=put(1, "夜班", cast.teacher),
    )  # fmt: skip
    services.publish_roster(roster=roster, actor=None, calendar_checked=True)
    return duties


def owner(assignment) -> int:
    return Assignment.objects.get(pk=assignment.pk).staff_id


def notices_for(staff) -> int:
    return Notice.objects.filter(recipient=staff.user, channel="inapp").count()


# ---- swaps ------------------------------------------------------------------------------------


def test_a_swap_in_return_moves_both_duties_once_the_leader_approves(cast, duty):
    swap = exchange.request_swap(assignment=duty.d1_day, colleague=duty.t3,
                                 in_return=duty.d2_day, reason="家里有事",
                                 actor=cast.teacher.user)  # fmt: skip
    assert Notice.objects.filter(recipient=duty.t3.user, event=f"swap:{swap.pk}:requested")
    exchange.respond_swap(swap=swap, accept=True, actor=duty.t3.user)
    assert swap.status == SwapRequest.Status.ACCEPTED
    assert owner(duty.d1_day) == cast.teacher.pk  # nothing moves before approval
    assert Notice.objects.filter(recipient=cast.leader.user, event=f"swap:{swap.pk}:accepted")

    exchange.decide_swap(swap=swap, approve=True, note="同意", actor=cast.leader.user)

    assert swap.status == SwapRequest.Status.APPROVED
    assert (owner(duty.d1_day), owner(duty.d2_day)) == (duty.t3.pk, cast.teacher.pk)
    changes = RosterChange.objects.filter(reason="换班", after_publishing=True)
    assert changes.filter(action="assigned").count() == changes.filter(action="unassigned").count()
    assert changes.count() == 4
    assert Notice.objects.filter(recipient=duty.t3.user, event__startswith="reminder:").exists()


def test_without_required_approval_an_accepted_swap_applies_at_once(cast, duty):
    RosterSettings.objects.filter(school=cast.school).update(swaps_need_approval=False)
    swap = exchange.request_swap(assignment=duty.d1_day, colleague=duty.t3,
                                 actor=cast.teacher.user)  # fmt: skip
    exchange.respond_swap(swap=swap, accept=True, actor=duty.t3.user)
    assert swap.status == SwapRequest.Status.APPROVED
    assert owner(duty.d1_day) == duty.t3.pk


def test_a_swap_that_breaks_the_rest_rule_is_refused_naming_it(cast, duty):
    # t2's night duty ends at 08:00 on day 2, when the day-2 day shift starts.
    swap = exchange.request_swap(assignment=duty.d2_day, colleague=duty.t2, actor=duty.t3.user)
    exchange.respond_swap(swap=swap, accept=True, actor=duty.t2.user)
    with pytest.raises(ValidationError) as refused:
        exchange.decide_swap(swap=swap, approve=True, note="", actor=cast.leader.user)
    text = " ".join(refused.value.messages)
    assert "李二" in text and f"{duty.d2_day.shift.date:%m-%d} 白班" in text and "12" in text
    assert SwapRequest.objects.get(pk=swap.pk).status == SwapRequest.Status.ACCEPTED
    assert owner(duty.d2_day) == duty.t3.pk
    assert not RosterChange.objects.filter(reason="换班").exists()


def test_answering_twice_changes_nothing_the_second_time(cast, duty):
    swap = exchange.request_swap(assignment=duty.d1_day, colleague=duty.t3,
                                 actor=cast.teacher.user)  # fmt: skip
    exchange.respond_swap(swap=swap, accept=True, actor=duty.t3.user)
    notices = Notice.objects.count()
    stale = SwapRequest.objects.get(pk=swap.pk)
    stale.status = SwapRequest.Status.REQUESTED  # a second tab that still shows the old state
    with pytest.raises(ValidationError):
        exchange.respond_swap(swap=stale, accept=False, actor=duty.t3.user)
    assert SwapRequest.objects.get(pk=swap.pk).status == SwapRequest.Status.ACCEPTED
    assert Notice.objects.count() == notices


def test_only_the_colleague_answers_and_only_the_office_decides(cast, duty):
    swap = exchange.request_swap(assignment=duty.d1_day, colleague=duty.t3,
                                 actor=cast.teacher.user)  # fmt: skip
    with pytest.raises(PermissionDenied):
        exchange.respond_swap(swap=swap, accept=True, actor=duty.t2.user)
    exchange.respond_swap(swap=swap, accept=True, actor=duty.t3.user)
    with pytest.raises(PermissionDenied):
        exchange.decide_swap(swap=swap, approve=True, actor=cast.teacher.user)


def test_a_teacher_cannot_ask_for_someone_elses_duty_but_a_leader_can(cast, duty):
    with pytest.raises(PermissionDenied):
        exchange.request_swap(assignment=duty.d2_day, colleague=duty.t2, actor=cast.teacher.user)
    swap = exchange.request_swap(assignment=duty.d2_day, colleague=cast.teacher,
                                 actor=cast.leader.user)  # fmt: skip
    assert swap.requested_by == cast.leader


def test_a_colleague_of_another_school_cannot_be_asked(cast, duty):
    with pytest.raises(ValidationError):
        exchange.request_swap(assignment=duty.d1_day, colleague=cast.other_teacher,
                              actor=cast.teacher.user)  # fmt: skip


def test_the_requester_can_withdraw_an_open_swap(cast, duty):
    swap = exchange.request_swap(assignment=duty.d1_day, colleague=duty.t3,
                                 actor=cast.teacher.user)  # fmt: skip
    exchange.cancel_swap(swap=swap, actor=cast.teacher.user)
    assert swap.status == SwapRequest.Status.CANCELLED
    with pytest.raises(ValidationError):
        exchange.respond_swap(swap=swap, accept=True, actor=duty.t3.user)


# ---- leave ------------------------------------------------------------------------------------


def test_leave_with_a_found_replacement_moves_the_duty_after_acceptance_and_approval(cast, duty):
    leave = exchange.request_leave(assignment=duty.d1_day, reason="看病", actor=cast.teacher.user)
    assert leave.replacement == duty.t3  # t3 (load 1) is less loaded than t2 (1.5)
    assert leave.status == LeaveRequest.Status.REQUESTED
    with pytest.raises(ValidationError):
        exchange.decide_leave(leave=leave, approve=True, actor=cast.leader.user)
    exchange.respond_leave(leave=leave, accept=True, actor=duty.t3.user)
    exchange.decide_leave(leave=leave, approve=True, note="", actor=cast.admin.user)
    assert leave.status == LeaveRequest.Status.APPROVED
    assert owner(duty.d1_day) == duty.t3.pk
    assert RosterChange.objects.filter(reason="请假", staff=duty.t3, action="assigned").exists()


def test_leave_needs_a_reason(cast, duty):
    with pytest.raises(ValidationError):
        exchange.request_leave(assignment=duty.d1_day, reason=" ", actor=cast.teacher.user)


def test_leave_with_no_possible_replacement_is_unfilled_and_admins_are_told(cast, duty):
    # teacher would exceed the weekly cap of 2; t2 would not have rested after the night.
    leave = exchange.request_leave(assignment=duty.d2_day, reason="出差", actor=duty.t3.user)
    assert leave.status == LeaveRequest.Status.UNFILLED
    assert leave.replacement is None
    assert Notice.objects.filter(recipient=cast.admin.user, event=f"leave:{leave.pk}:unfilled")


def test_a_declined_leave_tells_the_requester_and_the_admins(cast, duty):
    leave = exchange.request_leave(assignment=duty.d1_day, reason="看病", replacement=duty.t3,
                                   actor=cast.teacher.user)  # fmt: skip
    exchange.respond_leave(leave=leave, accept=False, actor=duty.t3.user)
    assert leave.status == LeaveRequest.Status.DECLINED
    event = f"leave:{leave.pk}:declined"
    assert Notice.objects.filter(recipient=cast.teacher.user, event=event)
    assert Notice.objects.filter(recipient=cast.admin.user, event=event)


# ---- pages ------------------------------------------------------------------------------------


def test_a_teacher_of_another_school_gets_404_and_another_teacher_403(client, cast, duty):
    url = reverse("roster:swap-new", args=[duty.d1_day.pk])
    client.force_login(cast.other_teacher.user)
    assert client.get(url).status_code == 404
    client.force_login(duty.t2.user)
    assert client.get(url).status_code == 403
    swap = exchange.request_swap(assignment=duty.d1_day, colleague=duty.t3,
                                 actor=cast.teacher.user)  # fmt: skip
    respond = reverse("roster:swap-respond", args=[swap.pk])
    assert client.post(respond, {"accept": "1"}).status_code == 403
    client.force_login(cast.other_teacher.user)
    assert client.post(respond, {"accept": "1"}).status_code == 404
    client.force_login(cast.teacher.user)
    assert client.get(reverse("roster:approvals")).status_code == 403
    assert SwapRequest.objects.get(pk=swap.pk).status == SwapRequest.Status.REQUESTED


def test_the_swap_journey_through_the_pages(client, cast, duty):
    client.force_login(cast.teacher.user)
    assert client.get(reverse("roster:mine")).status_code == 200
    url = reverse("roster:swap-new", args=[duty.d1_day.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"colleague": duty.t3.pk, "reason": "家里有事"})
    assert response.status_code == 302
    swap = SwapRequest.objects.get()
    client.force_login(duty.t3.user)
    assert "家里有事" in client.get(reverse("roster:swaps")).content.decode()
    client.post(reverse("roster:swap-respond", args=[swap.pk]), {"accept": "1"})
    client.post(reverse("roster:swap-respond", args=[swap.pk]), {"accept": "0"})  # too late
    client.force_login(cast.leader.user)
    assert client.get(reverse("roster:approvals")).status_code == 200
    client.post(reverse("roster:swap-decide", args=[swap.pk]), {"accept": "1", "note": "好"})
    assert owner(duty.d1_day) == duty.t3.pk


def test_the_leave_form_sends_the_request(client, cast, duty):
    client.force_login(cast.teacher.user)
    url = reverse("roster:leave-new", args=[duty.d1_day.pk])
    assert client.post(url, {"reason": ""}).status_code == 200  # the reason is required
    assert client.post(url, {"reason": "看病"}).status_code == 302
    assert LeaveRequest.objects.get().replacement == duty.t3


@pytest.mark.parametrize(
    "name", ["swap-respond", "swap-decide", "swap-cancel", "leave-respond", "leave-decide",
             "leave-cancel"],
)  # fmt: skip
def test_mutations_refuse_get(client, cast, duty, name):
    client.force_login(cast.admin.user)
    assert client.get(reverse(f"roster:{name}", args=[1])).status_code == 405
