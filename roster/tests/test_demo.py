"""The demo school's rosters, swaps and leave: every state a user meets, made once."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from notifications.models import Notice
from roster import demo
from roster.models import LeaveRequest, Roster, RosterChange, RosterStatus, SwapRequest
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import School

pytestmark = pytest.mark.django_db
# Early in a month, a school day (Wednesday, spring term): plenty of duties ahead to swap.
NOW = datetime.combine(date(2030, 3, 6), time(9, 30), tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def school():
    seed_demo()
    return School.objects.get(name=SCHOOL_NAME)


def test_the_demo_has_two_published_months_a_draft_and_swaps_and_leave_in_every_state(school):
    made = demo.seed(school, now=NOW)
    rosters = {r.start_date: r.status for r in Roster.objects.filter(school=school)}
    assert rosters == {
        date(2030, 2, 1): RosterStatus.PUBLISHED,  # last month: its shifts feed logs, scores
        date(2030, 3, 1): RosterStatus.PUBLISHED,
        date(2030, 4, 1): RosterStatus.DRAFT,
    }
    swaps = set(SwapRequest.objects.values_list("status", flat=True))
    leaves = set(LeaveRequest.objects.values_list("status", flat=True))
    assert swaps == {"requested", "accepted", "approved", "declined"}
    assert leaves == {"requested", "accepted", "unfilled"}
    assert len([m for m in made if m.startswith(("swap", "leave"))]) == 7
    approved = SwapRequest.objects.get(status="approved")
    assert approved.assignment.staff_id == approved.colleague_id  # the duty moved
    assert RosterChange.objects.filter(reason="换班", after_publishing=True).exists()
    unfilled = LeaveRequest.objects.get(status="unfilled")
    assert unfilled.replacement is None
    assert Notice.objects.filter(event=f"leave:{unfilled.pk}:unfilled").exists()
    waiting = LeaveRequest.objects.get(status="requested")
    assert waiting.replacement is not None


def test_seeding_again_adds_nothing(school):
    demo.seed(school, now=NOW)
    counts = (Roster.objects.count(), SwapRequest.objects.count(), LeaveRequest.objects.count())
    assert demo.seed(school, now=NOW) == []
    assert counts == (
        Roster.objects.count(),
        SwapRequest.objects.count(),
        LeaveRequest.objects.count(),
    )


def test_the_demo_has_this_school_year_and_the_next_and_no_teacher_in_a_vacation(school):
    from roster.calendar import school_calendar
    from roster.models import Assignment, Term
    from staff.models import Role

    demo.seed(school, now=NOW)
    terms = list(Term.objects.filter(school=school).values_list("start_date", "end_date"))
    assert terms == [
        (date(2029, 9, 1), date(2030, 1, 16)),
        (date(2030, 2, 25), date(2030, 7, 3)),  # 春节 2030-02-03: the Monday after 元宵
        (date(2030, 9, 1), date(2031, 1, 16)),
        (date(2031, 2, 24), date(2031, 7, 3)),
    ]
    days = school_calendar(school, date(2030, 2, 1), date(2030, 4, 30))
    teachers = Assignment.objects.filter(shift__roster__school=school, role=Role.TEACHER)
    assert teachers.exists()
    assert {days[d].kind for d in teachers.values_list("shift__date", flat=True)} == {"school_day"}
    # The 白班 on duty at NOW has the teacher and leader logins on it (the README's table).
    on_now = Assignment.objects.filter(
        shift__roster__school=school, shift__starts_at__lte=NOW, shift__ends_at__gt=NOW
    ).values_list("staff__user__username", flat=True)
    assert {"teacher", "leader"} <= set(on_now)


@pytest.mark.parametrize(
    ("now", "running", "logins"),
    [
        # Thursday 28 February 2030 was a school day in the spring term: its 夜班 runs.
        (datetime(2030, 3, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai")), "night", {"guard"}),
        # 31 January 2030 lies in the winter vacation: its 节假日值班 runs.
        (datetime(2030, 2, 1, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai")), "holiday",
         {"leader", "guard"}),
    ],
)  # fmt: skip
def test_before_eight_on_the_1st_last_months_duty_runs_with_the_readme_logins(
    school, now, running, logins
):
    from roster.models import Assignment, Shift

    demo.seed(school, now=now)
    last_month = date(now.year, now.month - 1, 1)
    assert Roster.objects.get(school=school, start_date=last_month).status == (
        RosterStatus.PUBLISHED
    )
    shift = Shift.objects.get(roster__school=school, starts_at__lte=now, ends_at__gt=now)
    assert shift.roster.start_date == last_month
    assert demo.shift_kind(shift) == running
    on_it = set(shift.assignments.values_list("staff__user__username", flat=True))
    assert logins <= on_it
    # Today's 白班 (a school day) gets the teacher; the leader not after a holiday duty (rest).
    day = Assignment.objects.filter(
        shift__roster__school=school, shift__date=now.date(), shift__starts_at__gt=now
    ).values_list("staff__user__username", flat=True)
    if running == "night":
        assert {"teacher", "leader"} <= set(day)
    # Seeding again adds nothing.
    count = Assignment.objects.count()
    assert demo.seed(school, now=now) == []
    assert Assignment.objects.count() == count


def test_on_1_august_last_month_has_its_school_year_terms_and_no_teacher_after_the_term(school):
    from roster.calendar import school_calendar
    from roster.models import Assignment, Term
    from staff.models import Role

    now = datetime(2030, 8, 1, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # July's holiday duty
    demo.seed(school, now=now)
    starts = set(Term.objects.filter(school=school).values_list("start_date", flat=True))
    assert {date(2029, 9, 1), date(2030, 2, 25), date(2030, 9, 1), date(2031, 9, 1)} <= starts
    july = Roster.objects.get(school=school, start_date=date(2030, 7, 1))
    assert july.status == RosterStatus.PUBLISHED
    teachers = Assignment.objects.filter(shift__roster=july, role=Role.TEACHER)
    days = school_calendar(school, date(2030, 7, 1), date(2030, 7, 31))
    term_days = {date(2030, 7, d) for d in (1, 2, 3)}  # the spring term ends on 3 July
    assert set(teachers.values_list("shift__date", flat=True)) <= term_days
    assert {days[d].kind for d in teachers.values_list("shift__date", flat=True)} == {"school_day"}
