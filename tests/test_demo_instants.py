"""The demo holds at any instant: ``seed_demo --now`` at a spread of instants, and the same
invariants at each.

The instants are derived from the real clock and always lie after it (the next school-day
morning, the next local midnight, the next month end that is not 31 December, the next
31 December 23:55, a day of the next 春节, the next 1 September, the next Sunday, the next 1st of
a month at 00:30 and at 07:30 and the next Monday at 08:05 — see tests/demo_clock.py): fields
stamped on insert (``auto_now_add``) carry the real time, which must not be later than the
seeded now.

At each instant (one test each, seeding once; every invariant that fails is named in its message):
- no report clock lapses or warns when the worker starts (``process_clocks(now=...)`` is 0), no
  escalation step is overdue, and no other sweep that takes a ``now`` has a notice left to send
  (the demo sends what a running worker would have sent by then: an overdue hazard, today's
  daily report reminder...);
- a shift is running at that instant (on the 1st before 08:00, last month's: last month's
  roster is published too), and who the README says is on duty is on it: on a school day's
  白班 the ``teacher`` (and the ``leader``) login, on a 夜班 the ``guard``, on a 节假日值班 the
  ``leader`` and the ``guard``;
- a visitor is on campus only in visiting hours, signed in within the last hour;
- nothing is dated after the seeded now (times of things done, and dates of things held);
- no notice is due but stuck: every notice due by now is sent (or was cancelled), keys unique;
- no teacher is on duty on a day without students (weekend, holiday, vacation), and the school
  has this school year's terms and the next one's.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone

from assessment.models import Inspection, InspectionStatus, PeerReview
from logbook.models import DailyReport, Visit
from roster.calendar import school_calendar
from roster.demo import ON_DUTY, shift_kind
from roster.models import Assignment, DayKind, Roster, RosterStatus, Shift, Term
from staff.demo import SCHOOL_NAME
from staff.models import Role, School
from tests.demo_clock import SHANGHAI, instants

APPS = ("staff", "roster", "logbook", "incidents", "assessment", "notifications")
# Times that are meant to lie ahead: when something is due, planned or scheduled to run.
FUTURE_OK = {
    "due_at", "warn_at", "next_due_at", "starts_at", "ends_at", "claimed_until", "expires_at",
    "locked_until", "valid_until", "lease_until", "not_before", "scheduled_for",
}  # fmt: skip
# Dates of things that happened (a date field not listed may lie ahead: due dates, shifts...).
PAST_DATES = {("assessment", "trainingsession", "held_on"), ("incidents", "drill", "held_on")}


INSTANTS = list(instants())  # the names; each test derives its instant when it runs


def _seed(now: datetime) -> School:
    call_command("seed_demo", now=now.isoformat(), stdout=io.StringIO())
    return School.objects.get(name=SCHOOL_NAME)


def _sweeps(now: datetime) -> dict[str, int]:
    from assessment.services.inspection import remind_inspectors
    from incidents.services.reporting import process_clocks
    from incidents.services.review import notify_overdue_actions
    from logbook.services.handover import flag_unacknowledged_handovers
    from logbook.services.hazard import notify_overdue_hazards
    from logbook.services.log import notify_unsubmitted_logs
    from logbook.services.report import warn_due_reports
    from logbook.services.visit import purge_expired_visits
    from notifications.escalation import advance_due_escalations
    from roster.checkin import notify_missed_checkins
    from roster.reminders import warn_unpublished

    return {
        "report clocks": process_clocks(now=now),  # first: nothing else may mask a lapse
        "escalations": advance_due_escalations(now=now),
        "missed check-ins": notify_missed_checkins(now=now),
        "unpublished roster": warn_unpublished(now=now),
        "unsubmitted logs": notify_unsubmitted_logs(now=now),
        "unacknowledged handovers": flag_unacknowledged_handovers(now=now),
        "daily report due": warn_due_reports(now=now),
        "overdue hazards": notify_overdue_hazards(now=now),
        "overdue corrective actions": notify_overdue_actions(now=now),
        "inspection reminders": remind_inspectors(now=now),
        "visitor purge": purge_expired_visits(now=now),
    }


def _future_rows(now: datetime, today: date) -> list[str]:
    found = []
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                label = (app, model._meta.model_name, field.name)
                if isinstance(field, models.DateTimeField):
                    if field.name in FUTURE_OK:
                        continue
                    late = model.objects.filter(**{f"{field.name}__gt": now}).count()
                elif isinstance(field, models.DateField) and label in PAST_DATES:
                    late = model.objects.filter(**{f"{field.name}__gt": today}).count()
                else:
                    continue
                if late:
                    found.append(f"{model.__name__}.{field.name}: {late}")
    return found


def _on_duty_problems(school: School, now: datetime) -> list[str]:
    running = (
        Shift.objects.filter(
            roster__school=school,
            roster__status=RosterStatus.PUBLISHED,
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .select_related("shift_type", "roster__school")
        .order_by("starts_at")
    )
    problems = [] if running else ["no published shift is running"]
    for shift in running:
        logins = set(
            Assignment.objects.filter(shift=shift).values_list("staff__user__username", flat=True)
        )
        wanted = {login for login, _role in ON_DUTY[shift_kind(shift)]}
        if not wanted <= logins:
            problems.append(f"{shift.shift_type.name} {shift.date}: {sorted(logins)}")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("name", INSTANTS)
def test_the_demo_holds_at(name):
    now = instants()[name]
    assert instant_problems(name, now) == [], f"{name} {now}"


def instant_problems(name: str, now: datetime) -> list[str]:
    """Seed at ``now`` and list every invariant that does not hold (see the module's
    docstring); empty when the demo is coherent at that instant."""
    from notifications.models import Notice, NoticeStatus

    problems: list[str] = []

    def check(holds: bool, what: str) -> None:
        if not holds:
            problems.append(what)

    school = _seed(now)
    today = timezone.localtime(now, SHANGHAI).date()
    kind = school_calendar(school, today, today)[today].kind

    before = set(Notice.objects.values_list("pk", flat=True))
    swept = _sweeps(now)
    check(swept["report clocks"] == 0, "a report clock warns or lapses")
    check(swept["escalations"] == 0, "an escalation step is overdue")
    # The other sweeps count what is due (told once: keyed notices); nothing may be new.
    new = sorted(set(Notice.objects.exclude(pk__in=before).values_list("event", flat=True)))
    check(new == [], f"the worker had work left ({swept}): {new}")

    rosters = {r.start_date: r.status for r in Roster.objects.filter(school=school)}
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    check(rosters.get(today.replace(day=1)) == RosterStatus.PUBLISHED, "this month unpublished")
    check(rosters.get(last_month) == RosterStatus.PUBLISHED, "last month unpublished")
    problems.extend(f"on duty: {p}" for p in _on_duty_problems(school, now))
    if today.day == 1 and timezone.localtime(now, SHANGHAI).hour < 8:
        # Yesterday's 夜班 or 节假日值班 is running: last month's roster's, with the logins.
        running = Shift.objects.get(roster__school=school, starts_at__lte=now, ends_at__gt=now)
        check(running.roster.start_date == last_month, "the running shift is not last month's")
        check(shift_kind(running) in ("night", "holiday"), f"running: {running.shift_type.name}")
    day_shift = Shift.objects.filter(
        roster__school=school, date=today, starts_at__lte=now, ends_at__gt=now,
        shift_type__requirements__role=Role.TEACHER,
    ).first()  # fmt: skip
    if kind == DayKind.SCHOOL_DAY and day_shift is not None and shift_kind(day_shift) == "day":
        check(
            day_shift.assignments.filter(staff__user__username="teacher").exists(),
            "the teacher login is not on the school day's 白班",
        )
    if name == "school-day morning":  # the test means something
        check(kind == DayKind.SCHOOL_DAY and day_shift is not None, "not a school-day morning")

    local = timezone.localtime(now, SHANGHAI)
    on_campus = list(Visit.objects.filter(school=school).on_campus())
    daytime = datetime.combine(today, time(8, 10), SHANGHAI) <= now
    daytime = daytime and now <= datetime.combine(today, time(18), SHANGHAI)
    check(len(on_campus) == (1 if daytime else 0), f"{local:%H:%M} on campus: {on_campus}")
    for visit in on_campus:
        arrived = timezone.localtime(visit.time_in, SHANGHAI)
        check(now - timedelta(hours=1) <= visit.time_in <= now and arrived.time() >= time(8),
              f"visitor signed in at {arrived:%H:%M}")  # fmt: skip

    problems.extend(f"dated after now: {row}" for row in _future_rows(now, today))
    done = Inspection.objects.filter(status=InspectionStatus.DONE)
    check(not done.filter(planned_on__gt=today).exists(), "an inspection done in the future")
    check(not DailyReport.objects.filter(date__gt=today).exists(), "a daily report ahead")
    check(not PeerReview.objects.filter(month__gt=today).exists(), "a peer review ahead")

    keys = list(Notice.objects.values_list("key", flat=True))
    check(len(keys) == len(set(keys)), "a notice key twice")
    stuck = Notice.objects.filter(
        status=NoticeStatus.PENDING, due_at__lt=now - timedelta(minutes=30)
    )
    check(not stuck.exists(), f"stuck: {list(stuck.values_list('event', 'due_at'))}")

    off_days = {DayKind.WEEKEND, DayKind.HOLIDAY, DayKind.VACATION}
    duties = Assignment.objects.filter(shift__roster__school=school, role=Role.TEACHER)
    dates = set(duties.values_list("shift__date", flat=True))
    calendar = school_calendar(school, min(dates), max(dates)) if dates else {}
    off = sorted(d for d in dates if calendar[d].kind in off_days)
    check(off == [], f"a teacher on duty without students: {off}")

    first = today.year if today.month >= 8 else today.year - 1
    autumns = set(
        Term.objects.filter(school=school, start_date__month=9).values_list("start_date", flat=True)
    )
    check({date(first, 9, 1), date(first + 1, 9, 1)} <= autumns, f"autumn terms: {autumns}")
    return problems


@pytest.mark.django_db
def test_seeding_again_at_the_same_instant_adds_nothing():
    from incidents.models import Incident
    from logbook.models import DutyLog, Visit
    from notifications.models import Notice

    now = instants()["school-day morning"]
    _seed(now)
    counts = [m.objects.count() for m in (Roster, Assignment, Term, Incident, DutyLog, Visit)]
    notices = Notice.objects.count()
    _seed(now)
    assert [m.objects.count() for m in (Roster, Assignment, Term, Incident, DutyLog, Visit)] == (
        counts
    )
    assert Notice.objects.count() == notices


@pytest.mark.parametrize("value", ["2027-02-06T00:30", "yesterday", "2027-13-01T00:00+08:00"])
def test_a_naive_or_unparsable_now_is_refused(value):
    with pytest.raises(CommandError, match="--now"):
        call_command("seed_demo", now=value, stdout=io.StringIO())
