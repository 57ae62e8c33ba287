"""The rules engine, one rule at a time, plus the time arithmetic it relies on."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roster.rules import AssignmentInfo, PersonInfo, Plan, RuleSettings, ShiftInfo, check
from roster.timing import crosses_midnight, shift_bounds
from staff.models import Role

SH = "Asia/Shanghai"


def shift(sid, day, start, minutes, *, weight="1", needs=None, school_day=True):
    starts, ends = shift_bounds(day, start, minutes, SH)
    return ShiftInfo(
        id=sid, label=f"{day:%m-%d} {start:%H:%M}", date=day, starts_at=starts, ends_at=ends,
        weight=Decimal(weight), requirements=needs or {}, night=crosses_midnight(start, minutes),
        students_in_school=school_day,
    )  # fmt: skip


DAY = time(8)
NIGHT = time(17)
MON = date(2026, 12, 7)
LI = PersonInfo(1, "李老师", frozenset({Role.TEACHER}))
WANG = PersonInfo(2, "王主任", frozenset({Role.LEADER, Role.TEACHER}))
ZHAO = PersonInfo(3, "赵保安", frozenset({Role.GUARD}))


def plan(shifts, assignments, people=(LI, WANG, ZHAO), history=None):
    return Plan(
        shifts={s.id: s for s in shifts},
        people={p.id: p for p in people},
        assignments=[AssignmentInfo(*a) for a in assignments],
        history=history or {},
    )


def rules(found, *, errors_only=True):
    return sorted({v.rule for v in found if v.error or not errors_only})


def test_a_night_shift_is_fifteen_hours_in_shanghai_and_ends_the_next_morning():
    starts, ends = shift_bounds(MON, NIGHT, 15 * 60, SH)
    assert ends - starts == timedelta(hours=15)
    assert ends.astimezone(starts.tzinfo).hour == 0  # UTC: 00:00 is 08:00 in Shanghai


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2026, 3, 7), 14), (date(2026, 10, 31), 16), (date(2026, 6, 1), 15)]
)
def test_a_night_shift_across_a_dst_change_follows_the_local_clock(day, hours):
    starts, ends = shift_bounds(day, NIGHT, 15 * 60, "America/New_York")
    assert ends - starts == timedelta(hours=hours)


def test_a_start_time_inside_a_spring_forward_gap_moves_forward():
    starts, _ = shift_bounds(date(2026, 3, 8), time(2, 30), 60, "America/New_York")
    assert starts == datetime.fromisoformat("2026-03-08T07:30+00:00")  # 03:30 EDT


def test_full_coverage_by_qualified_rested_people_has_no_errors():
    shifts = [shift(1, MON, DAY, 540, needs={Role.TEACHER: 1, Role.GUARD: 1})]
    assert rules(check(plan(shifts, [(1, 1, Role.TEACHER), (1, 3, Role.GUARD)]))) == []


def test_a_missing_role_is_a_coverage_error_naming_the_shift():
    shifts = [shift(1, MON, DAY, 540, needs={Role.TEACHER: 2})]
    found = check(plan(shifts, [(1, 1, Role.TEACHER)]))
    assert rules(found) == ["coverage"]
    assert "12-07 08:00" in found[0].message


def test_a_person_in_a_role_they_do_not_hold_breaks_qualification():
    found = check(plan([shift(1, MON, DAY, 540)], [(1, 3, Role.TEACHER)]))
    assert rules(found) == ["qualification"]
    assert "赵保安" in found[0].message


def test_a_night_shift_overlaps_the_next_mornings_day_shift():
    shifts = [shift(1, MON, NIGHT, 900), shift(2, MON + timedelta(days=1), time(7), 540)]
    found = check(plan(shifts, [(1, 1, Role.TEACHER), (2, 1, Role.TEACHER)]))
    assert "overlap" in rules(found)


def test_a_24_hour_duty_overlaps_every_shift_inside_it():
    shifts = [shift(1, MON, DAY, 1440), shift(2, MON, time(10), 60), shift(3, MON, time(20), 60)]
    found = check(plan(shifts, [(1, 2, Role.LEADER), (2, 2, Role.LEADER), (3, 2, Role.LEADER)]))
    assert sum(v.rule == "overlap" for v in found) == 2


def test_back_to_back_shifts_do_not_overlap():
    shifts = [shift(1, MON, DAY, 540), shift(2, MON, NIGHT, 900)]
    assert "overlap" not in rules(check(plan(shifts, [(1, 1, "teacher"), (2, 1, "teacher")])))


def test_a_shift_starting_within_twelve_hours_after_a_night_shift_breaks_the_rest_rule():
    tue = MON + timedelta(days=1)
    shifts = [shift(1, MON, NIGHT, 900), shift(2, tue, time(17), 900)]  # 9 h after 08:00
    found = check(plan(shifts, [(1, 1, "teacher"), (2, 1, "teacher")]))
    assert rules(found) == ["rest"]
    assert "9.0" in found[0].message
    rested = [shift(1, MON, NIGHT, 900), shift(2, tue, time(20), 600)]  # 12 h later
    assert rules(check(plan(rested, [(1, 1, "teacher"), (2, 1, "teacher")]))) == []


def test_a_day_shift_is_followed_by_a_night_shift_without_a_rest_rule():
    shifts = [shift(1, MON, DAY, 540), shift(2, MON, NIGHT, 900)]
    assert rules(check(plan(shifts, [(1, 1, "teacher"), (2, 1, "teacher")]))) == []


def test_leave_blocks_a_duty_that_touches_it():
    starts, _ = shift_bounds(MON, time(12), 60, SH)
    on_leave = PersonInfo(
        1, "李老师", frozenset({Role.TEACHER}), ((starts, starts + timedelta(hours=1)),)
    )
    found = check(plan([shift(1, MON, DAY, 540)], [(1, 1, "teacher")], people=(on_leave,)))
    assert rules(found) == ["leave"]


def test_more_duties_in_a_week_than_the_cap_is_an_error():
    shifts = [shift(n, MON + timedelta(days=n), DAY, 540) for n in range(4)]
    found = check(plan(shifts, [(n, 1, "teacher") for n in range(4)]), RuleSettings(weekly_cap=3))
    assert rules(found) == ["weekly_cap"]
    # The same four duties across two ISO weeks are fine.
    split = [shift(n, MON + timedelta(days=(0, 2, 7, 9)[n]), DAY, 540) for n in range(4)]
    assert rules(check(plan(split, [(n, 1, "teacher") for n in range(4)]))) == []


def test_a_full_time_teacher_is_not_scheduled_on_a_day_without_students_by_default():
    saturday = shift(1, date(2026, 12, 12), DAY, 540, school_day=False)
    found = check(plan([saturday], [(1, 1, "teacher")]))
    assert rules(found) == ["teacher_burden"]
    # A leader who also teaches may cover it; a school may switch the guardrail off knowingly.
    assert rules(check(plan([saturday], [(1, 2, "teacher")]))) == []
    relaxed = RuleSettings(teachers_only_on_school_days=False)
    assert rules(check(plan([saturday], [(1, 1, "teacher")]), relaxed)) == []


def test_uneven_weighted_load_is_a_fairness_warning_counting_history():
    other = PersonInfo(4, "周老师", frozenset({Role.TEACHER}))
    shifts = [shift(1, MON, NIGHT, 900, weight="1.5")]
    balanced = plan(shifts, [(1, 1, "teacher")], people=(LI, other), history={4: Decimal("1.5")})
    assert rules(check(balanced), errors_only=False) == []
    skewed = plan(shifts, [(1, 1, "teacher")], people=(LI, other), history={1: Decimal("3")})
    found = check(skewed)
    assert rules(found, errors_only=False) == ["fairness"]
    assert not found[0].error
    assert "李老师" in found[0].message


@given(
    st.lists(
        st.tuples(
            st.integers(0, 13), st.sampled_from([DAY, NIGHT, time(12)]), st.integers(1, 1440)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_overlap_rule_agrees_with_a_brute_force_check(items):
    shifts = [shift(n, MON + timedelta(days=d), t, m) for n, (d, t, m) in enumerate(items)]
    found = check(
        plan(shifts, [(s.id, 2, Role.LEADER) for s in shifts]), RuleSettings(weekly_cap=99)
    )
    any_overlap = any(
        a.starts_at < b.ends_at and b.starts_at < a.ends_at
        for i, a in enumerate(shifts)
        for b in shifts[i + 1 :]
    )
    assert ("overlap" in rules(found)) == any_overlap
