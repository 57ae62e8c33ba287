"""Building, editing and publishing rosters through the services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from notifications.models import Notice
from roster import services
from roster.models import (
    Assignment,
    Roster,
    RosterChange,
    RosterStatus,
    Shift,
    ShiftRequirement,
    ShiftType,
)
from roster.services import RosterError
from staff.models import Role

pytestmark = pytest.mark.django_db
NOW = datetime.fromisoformat("2026-11-28T10:00+08:00")


@pytest.fixture
def one_post(cast):
    """A school with a single 白班 needing one teacher, on school days."""
    shift_type = ShiftType.objects.create(
        school=cast.school, name="白班", start_time=time(8), duration_minutes=540,
        day_kinds=["school_day"],
    )  # fmt: skip
    ShiftRequirement.objects.create(shift_type=shift_type, role=Role.TEACHER, count=1)
    return shift_type


def test_the_default_shift_types_follow_the_duty_policy(cast):
    services.create_default_shift_types(school=cast.school)
    services.create_default_shift_types(school=cast.school)  # idempotent
    night = ShiftType.objects.get(school=cast.school, name="夜班")
    assert (night.start_time, night.duration_minutes) == (time(17), 900)
    assert ShiftType.objects.filter(school=cast.school).count() == 3


def test_a_month_roster_gets_day_and_night_shifts_on_school_days_and_holiday_duty_otherwise(cast):
    services.create_default_shift_types(school=cast.school)
    roster = services.create_roster(
        school=cast.school, name="2026年12月", start=date(2026, 12, 1), end=date(2026, 12, 31),
        actor=cast.admin.user,
    )  # fmt: skip
    names = list(roster.shifts.values_list("shift_type__name", flat=True))
    assert names.count("白班") == names.count("夜班") == 23
    assert names.count("节假日值班") == 8
    night = roster.shifts.get(date=date(2026, 12, 1), shift_type__name="夜班")
    assert night.ends_at - night.starts_at == timedelta(hours=15)
    assert RosterChange.objects.filter(roster=roster, action="created").exists()


def test_overlapping_rosters_and_backwards_periods_are_refused(cast, one_post):
    services.create_roster(school=cast.school, name="A", start=date(2026, 12, 1),
                           end=date(2026, 12, 31), actor=None)  # fmt: skip
    with pytest.raises(ValidationError):
        services.create_roster(school=cast.school, name="B", start=date(2026, 12, 20),
                               end=date(2027, 1, 10), actor=None)  # fmt: skip
    with pytest.raises(ValidationError):
        services.create_roster(school=cast.school, name="C", start=date(2027, 2, 1),
                               end=date(2027, 1, 1), actor=None)  # fmt: skip


def make_roster(cast, day=date(2026, 12, 7)):
    roster = services.create_roster(school=cast.school, name="周", start=day, end=day, actor=None)
    return roster, roster.shifts.get()


def test_assigning_returns_the_violations_that_remain(cast, one_post):
    _roster, shift = make_roster(cast)
    result = services.assign_duty(shift=shift, staff=cast.guard, role=Role.TEACHER,
                                  actor=cast.admin.user)  # fmt: skip
    assert {v.rule for v in result.violations if v.error} == {"qualification"}
    assert Assignment.objects.filter(shift=shift).count() == 1


def test_the_same_person_cannot_be_put_on_one_shift_twice(cast, one_post):
    _roster, shift = make_roster(cast)
    services.assign_duty(shift=shift, staff=cast.teacher, role=Role.TEACHER, actor=None)
    with pytest.raises(ValidationError):
        services.assign_duty(shift=shift, staff=cast.teacher, role=Role.TEACHER, actor=None)


def test_a_person_of_another_school_cannot_be_assigned(cast, one_post):
    _roster, shift = make_roster(cast)
    with pytest.raises(ValidationError):
        services.assign_duty(shift=shift, staff=cast.other_teacher, role=Role.TEACHER, actor=None)


def test_publishing_is_refused_while_the_roster_has_errors(cast, one_post):
    roster, _shift = make_roster(cast)
    with pytest.raises(RosterError) as caught:
        services.publish_roster(
            roster=roster, actor=cast.admin.user, now=NOW, calendar_checked=True
        )
    assert [v.rule for v in caught.value.violations] == ["coverage"]
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.DRAFT


def test_publishing_less_than_seven_days_ahead_needs_a_reason(cast, one_post):
    roster, shift = make_roster(cast, day=date(2026, 12, 3))
    services.assign_duty(shift=shift, staff=cast.teacher, role=Role.TEACHER, actor=None)
    with pytest.raises(RosterError):
        services.publish_roster(
            roster=roster, actor=cast.admin.user, now=NOW, calendar_checked=True
        )
    roster = services.publish_roster(roster=roster, actor=cast.admin.user, now=NOW,
                                     reason="教师临时调整", calendar_checked=True)  # fmt: skip
    assert roster.status == RosterStatus.PUBLISHED
    assert roster.publish_reason == "教师临时调整"


def test_publishing_a_week_ahead_needs_no_reason_and_tells_everyone_on_it(cast, one_post):
    roster, shift = make_roster(cast, day=date(2026, 12, 7))
    services.assign_duty(shift=shift, staff=cast.teacher, role=Role.TEACHER, actor=None)
    services.publish_roster(roster=roster, actor=cast.admin.user, now=NOW, calendar_checked=True)
    inbox = Notice.objects.filter(recipient=cast.teacher.user, channel="inapp")
    assert inbox.filter(event=f"roster.published:{roster.pk}").exists()


def test_a_change_after_publishing_needs_a_reason_is_recorded_and_told(cast, one_post):
    roster, shift = make_roster(cast, day=date(2026, 12, 7))
    first = services.assign_duty(shift=shift, staff=cast.teacher, role=Role.TEACHER, actor=None)
    services.publish_roster(roster=roster, actor=cast.admin.user, now=NOW, calendar_checked=True)
    with pytest.raises(ValidationError):
        services.unassign_duty(assignment=first.assignment, actor=cast.admin.user)
    services.unassign_duty(assignment=first.assignment, actor=cast.admin.user, reason="病假")
    services.assign_duty(shift=shift, staff=cast.leader, role=Role.LEADER,
                         actor=cast.admin.user, reason="顶班")  # fmt: skip
    changes = RosterChange.objects.filter(roster=roster, after_publishing=True)
    assert [(c.action, c.reason) for c in changes] == [("unassigned", "病假"), ("assigned", "顶班")]
    assert Notice.objects.filter(
        recipient=cast.teacher.user, event__startswith="roster:unassigned"
    ).exists()
    assert Notice.objects.filter(
        recipient=cast.leader.user, event__startswith="roster:assigned"
    ).exists()


def test_fairness_counts_duties_from_earlier_rosters(cast, one_post):
    _roster, shift = make_roster(cast, day=date(2026, 12, 7))
    services.assign_duty(shift=shift, staff=cast.teacher, role=Role.TEACHER, actor=None)
    later, _ = make_roster(cast, day=date(2026, 12, 14))
    from roster.queries import build_plan

    plan = build_plan(later)
    assert plan.history == {cast.teacher.pk: one_post.weight}
    assert Shift.objects.filter(roster=later).count() == 1
