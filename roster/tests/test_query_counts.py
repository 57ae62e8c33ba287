"""List pages read in a fixed number of queries, however many rows they show: swaps and leave,
approvals, the school's filings and the bureau's dashboard across its schools."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from roster import exchange, filing, services
from roster.models import (
    CalendarOverride,
    DayKind,
    RosterSettings,
    RosterStatus,
    Shift,
    ShiftRequirement,
    ShiftType,
)
from staff.models import Role
from staff.queries import actor_for
from staff.tests.factories import make_school, make_staff

pytestmark = pytest.mark.django_db
MONDAY = date(2030, 3, 4)

# The exact counts: session, user, staff and roles (4; a bureau official adds its office and
# schools) plus the page's own reads. A change here means a page started reading per row.
SWAPS_PAGE = 6
APPROVALS_PAGE = 6
FILING_LIST_PAGE = 8  # the calendar reads terms in one query (was two)
FILING_DETAIL_PAGE = 6
BUREAU_PAGE = 10  # the calendar reads terms in one query (was two)
BUREAU_EXPORT = 6


@pytest.fixture
def requests_roster(cast):
    RosterSettings.objects.create(
        school=cast.school, weekly_cap=7, teachers_only_on_school_days=False
    )
    shift_type = ShiftType.objects.create(
        school=cast.school, name="白班", start_time=time(8), duration_minutes=540,
        weight=Decimal(1), day_kinds=["school_day", "weekend", "holiday", "vacation"],
    )  # fmt: skip
    ShiftRequirement.objects.create(shift_type=shift_type, role=Role.TEACHER, count=1)
    roster = services.create_roster(school=cast.school, name="三月", start=MONDAY,
                                    end=MONDAY + timedelta(days=13), actor=None)  # fmt: skip
    mine = services.assign_duty(shift=roster.shifts.get(date=MONDAY + timedelta(days=13)),
                                staff=cast.teacher, role=Role.TEACHER, actor=None)  # fmt: skip
    roster.status = RosterStatus.PUBLISHED
    roster.save(update_fields=["status"])
    return SimpleNamespace(roster=roster, teacher_duty=mine.assignment, used=0)


def add_requests(cast, setup, n: int) -> None:
    """``n`` colleagues each ask the teacher to swap (taking the teacher's duty in return) and
    to cover their duty on leave; the teacher accepts both."""
    for _ in range(n):
        day = MONDAY + timedelta(days=setup.used)
        setup.used += 1
        person = make_staff(cast.school, Role.TEACHER)
        duty = services.assign_duty(shift=Shift.objects.get(roster=setup.roster, date=day),
                                    staff=person, role=Role.TEACHER, actor=None,
                                    reason="x").assignment  # fmt: skip
        swap = exchange.request_swap(assignment=duty, colleague=cast.teacher,
                                     in_return=setup.teacher_duty, actor=person.user)  # fmt: skip
        exchange.respond_swap(swap=swap, accept=True, actor=cast.teacher.user)
        leave = exchange.request_leave(assignment=duty, reason="病假", replacement=cast.teacher,
                                       actor=person.user)  # fmt: skip
        exchange.respond_leave(leave=leave, accept=True, actor=cast.teacher.user)


def count_same(client, url, expected, grow, django_assert_num_queries):
    """The page's queries, exactly ``expected``, before and after ``grow()`` adds rows."""
    client.get(url)  # the first request after logging in also saves the session
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    grow()
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_my_requests_reads_the_same_queries_for_more_requests(
    client, cast, requests_roster, django_assert_num_queries
):
    add_requests(cast, requests_roster, 1)
    client.force_login(cast.teacher.user)
    count_same(client, reverse("roster:swaps"), SWAPS_PAGE,
               lambda: add_requests(cast, requests_roster, 4),
               django_assert_num_queries)  # fmt: skip
    assert len(client.get(reverse("roster:swaps")).context["swaps"]) == 5


def test_approvals_read_the_same_queries_for_more_requests(
    client, cast, requests_roster, django_assert_num_queries
):
    add_requests(cast, requests_roster, 1)
    client.force_login(cast.leader.user)
    count_same(client, reverse("roster:approvals"), APPROVALS_PAGE,
               lambda: add_requests(cast, requests_roster, 4),
               django_assert_num_queries)  # fmt: skip
    assert len(client.get(reverse("roster:approvals")).context["leaves"]) == 5


# ---- filings ----------------------------------------------------------------------------------

SH = ZoneInfo("Asia/Shanghai")
HOLIDAY = (date(2030, 5, 2), date(2030, 5, 5))


def filed_school(school, *, versions: int = 1, school_holiday: date | None = None):
    """A school with a published 劳动节 roster (2030, from overrides) filed ``versions`` times;
    ``school_holiday``: also a one-day holiday override (校庆) on that day."""
    start, end = HOLIDAY
    for day in (start, start + timedelta(days=1)):
        CalendarOverride.objects.create(school=school, date=day, kind="holiday", note="劳动节")
    if school_holiday:
        CalendarOverride.objects.create(
            school=school, date=school_holiday, kind="holiday", note="校庆"
        )
    services.create_default_shift_types(school=school)
    roster = services.create_roster(school=school, name="五一", start=start, end=end, actor=None)
    leader = make_staff(school, Role.LEADER)
    guard = make_staff(school, Role.GUARD)
    admin = make_staff(school, Role.ADMIN)
    for shift in roster.shifts.all():
        services.assign_duty(shift=shift, staff=leader, role=Role.LEADER, actor=None)
        services.assign_duty(shift=shift, staff=guard, role=Role.GUARD, actor=None)
    roster.status = RosterStatus.PUBLISHED
    roster.save(update_fields=["status"])
    return [refile(school, admin) for _ in range(versions)][-1]


def refile(school, admin):
    return filing.file_holiday_roster(
        school=school, holiday="劳动节", start=HOLIDAY[0], end=HOLIDAY[1],
        duty_phone="010-1234567", night_contact="门卫室", filer_name=admin.name,
        filer_phone=admin.phone, actor=actor_for(admin.user),
        now=datetime(2030, 4, 25, 10, tzinfo=SH),
    )  # fmt: skip


def test_the_filing_list_reads_the_same_queries_for_more_versions(
    client, cast, django_assert_num_queries
):
    record = filed_school(cast.school)
    client.force_login(cast.admin.user)
    count_same(client, reverse("roster:filings"), FILING_LIST_PAGE,
               lambda: [refile(cast.school, cast.admin) for _ in range(3)],
               django_assert_num_queries)  # fmt: skip
    assert record.school_id == cast.school.pk


def test_a_filing_reads_the_same_queries_for_more_versions(client, cast, django_assert_num_queries):
    record = filed_school(cast.school)
    client.force_login(cast.admin.user)
    count_same(client, reverse("roster:filing-detail", args=[record.pk]), FILING_DETAIL_PAGE,
               lambda: [refile(cast.school, cast.admin) for _ in range(3)],
               django_assert_num_queries)  # fmt: skip


def a_period_of_its_own(school, today: date) -> date:
    """A working day soon whose eve is a working day too: a holiday put on it starts a period of
    its own (next to 春节, 元旦 or a weekend it would join theirs and take their name)."""
    from roster.calendar import school_calendar

    days = school_calendar(school, today, today + timedelta(days=40))
    off = (DayKind.HOLIDAY, DayKind.WEEKEND)
    day = today + timedelta(days=5)
    while days[day - timedelta(days=1)].kind in off or days[day].kind in off:
        day += timedelta(days=1)
    return day


def test_the_bureau_dashboard_reads_the_same_queries_for_more_schools(
    client, cast, django_assert_num_queries
):
    from django.utils import timezone

    today = timezone.localdate()  # the page reads the real clock
    own = a_period_of_its_own(cast.school, today)
    filed_school(cast.school, school_holiday=own)
    client.force_login(cast.official.user)
    url = reverse("roster:bureau-filings")

    def more_schools():
        for n in range(3):
            filed_school(make_school(f"新{n}小学", cast.bureau), versions=2, school_holiday=own)

    count_same(client, url, BUREAU_PAGE, more_schools, django_assert_num_queries)
    holidays = client.get(url).context["holidays"]
    labour_day = next(h for h in holidays if h.name == "劳动节")
    assert len(labour_day.rows) == 5  # the bureau's five schools, filed or not
    assert any(h.name == "校庆" for h in holidays)  # each school's own calendar was read


def test_the_bureau_export_reads_the_same_queries_for_more_schools(
    client, cast, django_assert_num_queries
):
    filed_school(cast.school)
    client.force_login(cast.official.user)
    url = reverse("roster:bureau-filings-export")

    def more_schools():
        for n in range(3):
            filed_school(make_school(f"新{n}小学", cast.bureau), versions=2)

    count_same(client, url, BUREAU_EXPORT, more_schools, django_assert_num_queries)
