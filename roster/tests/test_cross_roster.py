"""The rules across two rosters: the last night of one month's roster and the first morning of
the next, a week split between them, overlapping duties in both — seen by every caller."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from roster import exchange, services
from roster.excel import apply_roster_import, export_roster_xlsx, parse_roster_xlsx
from roster.models import Assignment, RosterSettings, RosterStatus, ShiftRequirement, ShiftType
from roster.queries import build_plan, rule_settings
from roster.rules import check
from staff.models import Role
from staff.tests.factories import make_staff

pytestmark = pytest.mark.django_db
ALL_DAYS = ["school_day", "weekend", "holiday", "vacation"]
LAST = date(2030, 9, 30)  # a Monday: the week of 30 Sep runs on into October's roster
FIRST = LAST + timedelta(days=1)


@pytest.fixture
def months(cast):
    """September's roster ends on Monday 30 Sep, October's starts on Tuesday 1 Oct. Shift
    types run every day and require no one (so the only problems are the ones a test makes):
    白班 08:00 + 9 h, 夜班 17:00 + 15 h (to 08:00), 早班 07:00 + 2 h."""
    RosterSettings.objects.create(
        school=cast.school, weekly_cap=2, teachers_only_on_school_days=False
    )
    for name, start, minutes, weight in [
        ("白班", time(8), 540, "1"), ("夜班", time(17), 900, "1.5"), ("早班", time(7), 120, "1"),
    ]:  # fmt: skip
        ShiftType.objects.create(
            school=cast.school, name=name, start_time=start, duration_minutes=minutes,
            weight=Decimal(weight), day_kinds=ALL_DAYS,
        )  # fmt: skip
    september = services.create_roster(
        school=cast.school, name="九月", start=LAST - timedelta(days=6), end=LAST, actor=None
    )
    october = services.create_roster(
        school=cast.school, name="十月", start=FIRST, end=FIRST + timedelta(days=6), actor=None
    )
    return SimpleNamespace(september=september, october=october)


def put(roster, day: date, kind: str, who, role=Role.TEACHER):
    shift = roster.shifts.get(date=day, shift_type__name=kind)
    return services.assign_duty(shift=shift, staff=who, role=role, actor=None)


def problems(roster, rule: str) -> list:
    with translation.override("en"):
        found = check(build_plan(roster), rule_settings(roster.school))
    return [v for v in found if v.rule == rule]


def test_a_day_duty_after_the_previous_rosters_last_night_breaks_the_rest_rule(cast, months):
    put(months.september, LAST, "夜班", cast.teacher)
    put(months.october, FIRST, "白班", cast.teacher)
    [seen_in_october] = problems(months.october, "rest")
    assert cast.teacher.name in seen_in_october.message
    assert "10-01 白班" in seen_in_october.message
    assert "09-30 夜班 (九月)" in seen_in_october.message
    assert (
        seen_in_october.shift_id
        == months.october.shifts.get(date=FIRST, shift_type__name="白班").pk
    )
    # September's roster sees it too, marked on its own night shift.
    [seen_in_september] = problems(months.september, "rest")
    assert (
        seen_in_september.shift_id
        == months.september.shifts.get(date=LAST, shift_type__name="夜班").pk
    )
    assert "10-01 白班 (十月)" in seen_in_september.message


def test_the_weekly_cap_counts_a_week_split_between_two_rosters(cast, months):
    put(months.september, LAST, "白班", cast.teacher)
    put(months.october, FIRST, "白班", cast.teacher)
    assert problems(months.october, "weekly_cap") == []
    put(months.october, FIRST + timedelta(days=2), "白班", cast.teacher)
    [violation] = problems(months.october, "weekly_cap")
    assert cast.teacher.name in violation.message
    assert "3 duties" in violation.message
    assert "09-30 白班 (九月), 10-01 白班, 10-03 白班" in violation.message
    assert violation.person_id == cast.teacher.pk
    assert [v.rule for v in problems(months.september, "weekly_cap")] == ["weekly_cap"]


def test_overlapping_duties_in_two_rosters_are_caught(cast, months):
    put(months.september, LAST, "夜班", cast.teacher)  # until 08:00 on 1 Oct
    put(months.october, FIRST, "早班", cast.teacher)  # from 07:00 on 1 Oct
    [violation] = problems(months.october, "overlap")
    assert "09-30 夜班 (九月)" in violation.message
    assert "10-01 早班" in violation.message
    assert problems(months.october, "rest") == []  # overlap, not a short rest


def test_problems_inside_a_neighbouring_roster_are_not_reported_here(cast, months):
    put(months.september, LAST - timedelta(days=1), "夜班", cast.teacher)
    put(months.september, LAST, "白班", cast.teacher)
    assert len(problems(months.september, "rest")) == 1
    assert problems(months.october, "rest") == []


def test_duties_far_from_the_period_are_not_read(cast, months):
    plan = build_plan(months.october)
    assert plan.context == []
    put(months.september, LAST - timedelta(days=6), "白班", cast.teacher)
    assert build_plan(months.october).context  # a week before: still in the window


def test_the_editor_shows_the_cross_roster_conflict(client, cast, months):
    put(months.september, LAST, "夜班", cast.teacher)
    put(months.october, FIRST, "白班", cast.teacher)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(cast.admin.user)
    page = client.get(reverse("roster:detail", args=[months.october.pk])).content.decode()
    assert "09-30 夜班 (九月)" in page


def test_the_picker_warns_before_assigning_across_the_roster_edge(client, cast, months):
    put(months.september, LAST, "夜班", cast.teacher)
    shift = months.october.shifts.get(date=FIRST, shift_type__name="白班")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(cast.admin.user)
    url = reverse("roster:candidates", args=[months.october.pk, shift.pk])
    page = client.get(url, {"role": Role.TEACHER}).content.decode()
    assert "after the night duty 09-30 夜班 (九月)" in page


def test_publishing_is_refused_for_a_cross_roster_conflict(cast, months):
    put(months.september, LAST, "夜班", cast.teacher)
    duty = put(months.october, FIRST, "白班", cast.teacher).assignment
    with pytest.raises(services.RosterError) as refused:
        services.publish_roster(
            roster=months.october, actor=None, reason="测试", calendar_checked=True
        )
    assert [v.rule for v in refused.value.violations] == ["rest"]
    services.unassign_duty(assignment=duty, actor=None)
    published = services.publish_roster(
        roster=months.october, actor=None, reason="测试", calendar_checked=True
    )
    assert published.status == RosterStatus.PUBLISHED


def test_an_excel_import_reports_the_cross_roster_conflict(cast, months):
    ShiftRequirement.objects.create(
        shift_type=ShiftType.objects.get(school=cast.school, name="白班"), role=Role.TEACHER
    )
    put(months.september, LAST, "夜班", cast.teacher)
    duty = put(months.october, FIRST, "白班", cast.teacher).assignment
    content = export_roster_xlsx(months.october)
    services.unassign_duty(assignment=duty, actor=None)
    plan = parse_roster_xlsx(roster=months.october, content=content)
    result = apply_roster_import(roster=months.october, plan=plan, actor=None)
    assert result.added == 1
    assert [v.rule for v in result.violations if v.rule == "rest"] == ["rest"]


@pytest.fixture
def published(cast, months):
    """Both rosters published: the teacher ends September with a night duty; a colleague has
    the first day duty of October."""
    colleague = make_staff(cast.school, Role.TEACHER, name="李同事")
    night = put(months.september, LAST, "夜班", cast.teacher).assignment
    morning = put(months.october, FIRST, "白班", colleague).assignment
    for roster in (months.september, months.october):
        services.publish_roster(roster=roster, actor=None, reason="测试", calendar_checked=True)
    return SimpleNamespace(colleague=colleague, night=night, morning=morning)


def test_a_swap_that_breaks_the_rest_rule_across_rosters_is_refused(cast, months, published):
    swap = exchange.request_swap(assignment=published.morning, colleague=cast.teacher,
                                 actor=published.colleague.user)  # fmt: skip
    exchange.respond_swap(swap=swap, accept=True, actor=cast.teacher.user)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        exchange.decide_swap(swap=swap, approve=True, actor=cast.leader.user)
    assert any("09-30 夜班 (九月)" in m for m in refused.value.messages)
    assert Assignment.objects.get(pk=published.morning.pk).staff_id == published.colleague.pk


def test_a_swap_across_two_rosters_is_checked_with_both_duties_moved(cast, months, published):
    # The teacher's September night for the colleague's October morning: nobody ends up with
    # a night followed by a morning, so the engine lets it through.
    swap = exchange.request_swap(assignment=published.morning, colleague=cast.teacher,
                                 in_return=published.night,
                                 actor=published.colleague.user)  # fmt: skip
    exchange.respond_swap(swap=swap, accept=True, actor=cast.teacher.user)
    exchange.decide_swap(swap=swap, approve=True, actor=cast.leader.user)
    assert Assignment.objects.get(pk=published.morning.pk).staff_id == cast.teacher.pk
    assert Assignment.objects.get(pk=published.night.pk).staff_id == published.colleague.pk


def test_leave_covered_by_someone_coming_off_a_night_is_not_approved(cast, months, published):
    leave = exchange.request_leave(assignment=published.morning, reason="病假",
                                   replacement=cast.teacher,
                                   actor=published.colleague.user)  # fmt: skip
    exchange.respond_leave(leave=leave, accept=True, actor=cast.teacher.user)
    with pytest.raises(ValidationError):
        exchange.decide_leave(leave=leave, approve=True, actor=cast.leader.user)
    assert Assignment.objects.get(pk=published.morning.pk).staff_id == published.colleague.pk


def test_the_engine_does_not_propose_a_replacement_coming_off_a_night(cast, months, published):
    leave = exchange.request_leave(assignment=published.morning, reason="病假",
                                   actor=published.colleague.user)  # fmt: skip
    assert leave.replacement_id is None  # the only other teacher needs rest
    assert leave.status == leave.Status.UNFILLED
