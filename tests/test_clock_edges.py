"""Every clock-driven job at the edges of a day, a month and a year, on a controlled clock.

Each beat task is a thin wrapper around a service that takes ``now``; these tests call the
services with instants around local midnight (00:00 Asia/Shanghai is 16:00 UTC the day before,
so a UTC date used as "today" is off by one here), at the end of a 28-day month, a 30-day month
and a year, and check what is due, sent or flagged one minute before, at and one minute after.
The duty that matters most is the night shift of the last day of a month (17:00 → 08:00 on the
1st): it belongs to the day it starts on. Nothing here reads the real clock, so the dates can be
anywhere (the rule in the README's testing section).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import translation

from assessment.models import Inspection, InspectionKind, InspectionStatus
from assessment.services.inspection import remind_inspectors
from assessment.services.record import recent_months
from incidents.categories import Category, Severity
from incidents.models import ClockKind
from incidents.services import reporting
from incidents.services import review as review_services
from incidents.services.incident import report_incident
from logbook.models import Hazard, IdType, Visit
from logbook.services import hazard as hazard_services
from logbook.services import report as report_services
from logbook.services.log import notify_unsubmitted_logs
from logbook.services.visit import purge_expired_visits, register_visit
from logbook.tests.factories import ALL_DAYS, at
from notifications.models import Notice, NoticeStatus
from roster import services as roster_services
from roster.checkin import notify_missed_checkins
from roster.models import Roster, RosterStatus, Shift, ShiftRequirement, ShiftType
from roster.reminders import schedule_reminders, warn_unpublished
from roster.timing import localize
from staff.models import Role
from staff.queries import actor_for

# The first day of a new month after a 28-day month, a 30-day month and a year.
EDGES = {
    "feb-end": date(2027, 3, 1),
    "apr-end": date(2027, 5, 1),
    "year-end": date(2027, 1, 1),
}
MINUTE = timedelta(minutes=1)


def on_every_duty(cast):
    return ((cast.leader, Role.LEADER), (cast.teacher, Role.TEACHER), (cast.guard, Role.GUARD))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(params=list(EDGES), ids=list(EDGES))
def first(request) -> date:
    """The 1st of the new month; ``first - 1 day`` is the last day of the old one."""
    return EDGES[request.param]


def actor(member):
    return actor_for(member.user)


def events(prefix: str, channel: str = "inapp") -> dict[str, Notice]:
    return {
        n.event: n
        for n in Notice.objects.filter(event__startswith=prefix, channel=channel).order_by("pk")
    }


def run_timeline(job, prefix: str, timeline, *, ignore=frozenset()) -> set[str]:
    """Run ``job(now=…)`` at each instant; the in-app notices it adds there (by event, under
    ``prefix``) must be exactly the expected ones, written on that clock (due then, delivered
    by being written). ``ignore``: events not checked. Returns every event seen."""
    seen: set[str] = set()
    for now, expected in timeline:
        job(now=now)
        found = events(prefix)
        added = {e: n for e, n in found.items() if e not in seen and e not in ignore}
        assert set(added) == set(expected), now
        for event, notice in added.items():
            assert (notice.due_at, notice.status) == (now, NoticeStatus.SENT), event
        seen = set(found)
    return seen


def duties(cast, first_day: date):
    """Published one-day rosters on both sides of the month's edge, one per month (白班
    08:00–17:00, 夜班 17:00–08:00 on every kind of day), staffed before publishing so nothing is
    told on the real clock. Returns {(shift name, day): {role: assignment}}."""
    last = first_day - timedelta(days=1)
    for name, hour, minutes in (("白班", 8, 540), ("夜班", 17, 900)):
        shift_type = ShiftType.objects.create(
            school=cast.school, name=name, start_time=time(hour), duration_minutes=minutes,
            day_kinds=ALL_DAYS,
        )  # fmt: skip
        for role in (Role.LEADER, Role.GUARD, Role.TEACHER):
            ShiftRequirement.objects.create(shift_type=shift_type, role=role, count=1)
    out = {}
    for day in (last, first_day):  # each month has its own roster, as schools make them
        roster = roster_services.create_roster(
            school=cast.school, name=f"{day:%m}月", start=day, end=day, actor=None
        )
        for shift in roster.shifts.select_related("shift_type"):
            out[(shift.shift_type.name, shift.date)] = {
                role: roster_services.assign_duty(
                    shift=shift, staff=member, role=role, actor=None
                ).assignment
                for member, role in on_every_duty(cast)
            }
        Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    return out


# ---- the night shift of the last day belongs to that day and ends on the 1st ----------------


@pytest.mark.django_db
def test_the_last_nights_duty_starts_on_the_last_day_and_ends_on_the_first(cast, first):
    last = first - timedelta(days=1)
    night = duties(cast, first)[("夜班", last)][Role.GUARD].shift
    assert (night.date, night.starts_at, night.ends_at) == (last, at(last, 17), at(first, 8))
    # Local midnight is 16:00 UTC the day before: the UTC date is still the old month's.
    assert at(first, 0).date() == last and at(first, 0).hour == 16


# ---- shift reminders (the evening before at 20:00, an hour before) --------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hour", "minute", "day_offset", "with_eve"),
    [
        (19, 59, -1, True),  # the evening reminder for the 1st's duties is still ahead
        (20, 0, -1, False),  # due now: not scheduled any more (it would be late)
        (20, 1, -1, False),
        (23, 59, -1, False),
        (0, 0, 0, False),  # local midnight: 16:00 UTC on the last day
        (0, 1, 0, False),
    ],
)
def test_reminders_scheduled_around_the_evening_before_and_midnight(
    cast, first, hour, minute, day_offset, with_eve
):
    last = first - timedelta(days=1)
    now = at(first + timedelta(days=day_offset), hour, minute)
    rows = duties(cast, first)
    guard = {key: by_role[Role.GUARD] for key, by_role in rows.items()}
    schedule_reminders(list(guard.values()), now=now)
    got = {
        e: (n.due_at, n.status)
        for e, n in events("reminder:").items()
        if n.recipient_id == cast.guard.user_id
    }
    day1, night1 = guard[("白班", first)], guard[("夜班", first)]
    want = {
        f"reminder:soon:{day1.pk}": (at(first, 7), NoticeStatus.PENDING),
        f"reminder:soon:{night1.pk}": (at(first, 16), NoticeStatus.PENDING),
    }
    if with_eve:  # both of the 1st's duties: the evening of the old month's last day
        want[f"reminder:eve:{day1.pk}"] = (at(last, 20), NoticeStatus.PENDING)
        want[f"reminder:eve:{night1.pk}"] = (at(last, 20), NoticeStatus.PENDING)
    # The last day's duties have started or their reminders have passed: nothing for them.
    assert got == want


@pytest.mark.django_db
@pytest.mark.parametrize(("minutes", "with_eve"), [(-1, True), (0, False), (1, False)])
def test_a_duty_added_to_a_published_roster_is_reminded_on_the_callers_clock(
    cast, first, minutes, with_eve
):
    """Someone is put on the 1st's day shift at 20:00 on the last day (± a minute): the evening
    reminder is scheduled only while it is still ahead, on the caller's clock; the change is
    told at that instant; removing the duty withdraws what is pending."""
    last = first - timedelta(days=1)
    day1 = duties(cast, first)[("白班", first)][Role.GUARD].shift
    day1 = Shift.objects.select_related("roster__school", "shift_type").get(pk=day1.pk)
    now = at(last, 20) + timedelta(minutes=minutes)
    added = roster_services.assign_duty(
        shift=day1, staff=cast.tech, role=Role.TECH, actor=cast.admin.user, reason="顶班", now=now
    ).assignment
    got = {e: (n.due_at, n.status) for e, n in events("reminder:").items()}
    want = {f"reminder:soon:{added.pk}": (at(first, 7), NoticeStatus.PENDING)}
    if with_eve:
        want[f"reminder:eve:{added.pk}"] = (at(last, 20), NoticeStatus.PENDING)
    assert got == want
    told = events(f"roster:assigned:{added.pk}")[f"roster:assigned:{added.pk}"]
    assert (told.due_at, told.status) == (now, NoticeStatus.SENT)
    pk = added.pk
    roster_services.unassign_duty(
        assignment=added, actor=cast.admin.user, reason="调回", now=now + MINUTE
    )
    assert {n.status for n in events("reminder:").values()} == {NoticeStatus.CANCELLED}
    gone = events(f"roster:unassigned:{pk}")[f"roster:unassigned:{pk}"]
    assert gone.due_at == now + MINUTE


# ---- missed check-in --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_missed_check_in_on_the_last_night_is_reported_once_across_midnight(cast, first):
    """Guards and leaders check in (full-time teachers do not, by default); each missed duty
    is told once, to the leader on duty (a missing leader: to the other leaders)."""
    last = first - timedelta(days=1)
    rows = duties(cast, first)

    def missed(name, day):
        return {rows[(name, day)][Role.GUARD], rows[(name, day)][Role.LEADER]}

    timeline = [
        (at(last, 16, 59), missed("白班", last)),  # started at 08:00, still within 12 hours
        (at(last, 17), missed("夜班", last)),
        (at(first, 0) - MINUTE, set()),
        (at(first, 0), set()),
        (at(first, 0) + MINUTE, set()),
        (at(first, 7, 59), set()),
        (at(first, 8), missed("白班", first)),
        (at(first, 8) + MINUTE, set()),
    ]
    timeline = [(now, {f"checkin.missed:{a.pk}" for a in told}) for now, told in timeline]
    seen = run_timeline(notify_missed_checkins, "checkin.missed:", timeline)
    night = rows[("夜班", last)]
    to = Notice.objects.filter(event=f"checkin.missed:{night[Role.GUARD].pk}", channel="inapp")
    assert [n.recipient_id for n in to] == [cast.leader.user_id]
    to = Notice.objects.filter(event=f"checkin.missed:{night[Role.LEADER].pk}", channel="inapp")
    assert [n.recipient_id for n in to] == [cast.principal.user_id]
    assert not {f"checkin.missed:{rows[key][Role.TEACHER].pk}" for key in rows} & seen


# ---- duty log not submitted ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_last_nights_log_is_missed_at_eight_on_the_first_not_at_midnight(cast, first):
    last = first - timedelta(days=1)
    rows = duties(cast, first)
    night = rows[("夜班", last)][Role.GUARD].shift
    day_last = rows[("白班", last)][Role.GUARD].shift
    timeline = [
        (at(last, 16, 59), set()),
        (at(last, 17), {f"log.unsubmitted:{day_last.pk}"}),
        (at(last, 18), {f"log.unsubmitted.leader:{day_last.pk}"}),
        (at(first, 0) - MINUTE, set()),
        (at(first, 0), set()),  # the night shift is still on: nothing is missing yet
        (at(first, 0) + MINUTE, set()),
        (at(first, 7, 59), set()),
        (at(first, 8), {f"log.unsubmitted:{night.pk}"}),
        (at(first, 8, 59), set()),
        (at(first, 9), {f"log.unsubmitted.leader:{night.pk}"}),
        (at(first, 9) + MINUTE, set()),
    ]
    run_timeline(notify_unsubmitted_logs, "log.unsubmitted", timeline)
    notice = events("log.unsubmitted:")[f"log.unsubmitted:{night.pk}"]
    assert f"{last:%m-%d}" in notice.subject  # the night belongs to the day it started
    assert notice.recipient_id in {cast.teacher.user_id, cast.guard.user_id}
    assert notice.status == NoticeStatus.SENT  # in-app: delivered by being written, on time


# ---- incident report clocks (初报 / 续报 / 终报) -------------------------------------------------


@pytest.mark.django_db
def test_report_clocks_of_an_incident_just_before_midnight(cast, first):
    """Severity I at 23:50 on the last day: the verbal report is due at 00:05 on the 1st (warned
    at 00:00), the written one at 00:20 (warned at 00:10), the first daily report at 17:00 on
    the 1st."""
    last = first - timedelta(days=1)
    reported = at(last, 23, 50)
    incident = report_incident(
        reporter=cast.teacher, severity=Severity.I, category=Category.ACCIDENT,
        subcategory="fire", occurred_at=reported - timedelta(minutes=5), location="三楼",
        summary="三楼起火，已疏散", now=reported,
    )  # fmt: skip
    clocks = {c.kind: c for c in reporting.clocks_for(incident)}
    assert clocks[ClockKind.VERBAL].due_at == at(first, 0, 5)
    assert clocks[ClockKind.VERBAL].warn_at == at(first, 0)
    assert clocks[ClockKind.WRITTEN].due_at == at(first, 0, 20)
    assert clocks[ClockKind.DAILY].due_at == at(first, 17)
    verbal, written = clocks[ClockKind.VERBAL].pk, clocks[ClockKind.WRITTEN].pk
    daily = clocks[ClockKind.DAILY].pk
    timeline = [
        (at(first, 0) - MINUTE, set()),
        (at(first, 0), {f"report-clock:{verbal}:warn"}),
        (at(first, 0) + MINUTE, set()),
        (at(first, 0, 4), set()),
        (at(first, 0, 5), {f"report-clock:{verbal}:lapsed"}),
        (at(first, 0, 10), {f"report-clock:{written}:warn"}),
        (at(first, 0, 20), {f"report-clock:{written}:lapsed"}),
        (at(first, 16, 59), set()),  # daily: warned from 11:00 (a third of 17 h 10 min left)
        (at(first, 17), {f"report-clock:{daily}:lapsed"}),
        (at(first, 17) + MINUTE, set()),
    ]
    run_timeline(
        reporting.process_clocks, "report-clock:", timeline,
        ignore={f"report-clock:{daily}:warn"},
    )  # fmt: skip
    # The next daily clock opens when one lapses: 17:00 on the 2nd, in school time.
    nxt = incident.report_clocks.filter(kind=ClockKind.DAILY, number=2).get()
    assert nxt.due_at == at(first + timedelta(days=1), 17)


@pytest.mark.django_db
def test_report_clocks_keep_the_school_time_zone_at_midnight(cast, first):
    """A school in another zone (UTC+9): the daily report is due at 17:00 its time, also when
    the incident comes in just before its midnight (and the project's zone is still on the
    old day)."""
    cast.school.time_zone = "Asia/Tokyo"
    cast.school.save(update_fields=["time_zone"])
    last = first - timedelta(days=1)

    def tokyo(day, hour, minute=0):
        return localize(datetime.combine(day, time(hour, minute)), "Asia/Tokyo")

    reported = tokyo(last, 23, 50)
    incident = report_incident(
        reporter=cast.teacher, severity=Severity.II, category=Category.ACCIDENT,
        subcategory="fire", occurred_at=reported - timedelta(minutes=5), location="三楼",
        summary="三楼起火，已疏散", now=reported,
    )  # fmt: skip
    daily = incident.report_clocks.get(kind=ClockKind.DAILY)
    assert daily.due_at == tokyo(first, 17)
    reporting.process_clocks(now=tokyo(first, 17))
    assert incident.report_clocks.get(kind=ClockKind.DAILY, number=2).due_at == tokyo(
        first + timedelta(days=1), 17
    )


# ---- handover not accepted -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_last_nights_handover_goes_to_the_new_months_first_shift(cast, first):
    """The night of the last day hands over to 08:00 on the 1st (the next month's roster);
    not accepted by 08:30, the leader is told, once."""
    from logbook.services.handover import flag_unacknowledged_handovers, write_handover

    last = first - timedelta(days=1)
    rows = duties(cast, first)
    night = rows[("夜班", last)][Role.GUARD].shift
    written = at(first, 7, 40)
    note = write_handover(
        from_shift=night, actor=actor(cast.guard), situation="夜间平稳", now=written
    )
    assert note.to_shift == rows[("白班", first)][Role.GUARD].shift
    told = events(f"handover:{note.pk}:written")
    assert {(n.recipient_id, n.due_at) for n in told.values()} <= {
        (cast.teacher.user_id, written), (cast.leader.user_id, written),
        (cast.guard.user_id, written),
    }  # fmt: skip
    timeline = [
        (at(first, 8, 29), set()),
        (at(first, 8, 30), {f"handover:{note.pk}:unacknowledged"}),
        (at(first, 8, 31), set()),
    ]
    run_timeline(flag_unacknowledged_handovers, f"handover:{note.pk}:unack", timeline)


# ---- reporting up: the daily report's cut-off and the 零报告 ------------------------------------


@pytest.mark.django_db
def test_the_daily_report_cut_off_and_the_new_day_at_local_midnight(cast, first):
    """A reporting period ending on the last day of a month, cut-off 17:00: warned from 15:00;
    from local midnight (still the last day in UTC) the 1st can be reported and the last day's
    report is late."""
    last = first - timedelta(days=1)
    report_services.create_reporting_period(
        name="月末", start=last - timedelta(days=1), end=last, actor=actor(cast.official)
    )
    timeline = [
        (at(last, 14, 59), set()),
        (at(last, 15), {cast.school.pk, cast.other_school.pk}),
        (at(last, 15, 1), set()),
        (at(last, 16, 59), set()),
        (at(last, 17), set()),  # the cut-off has passed: a warning now would be too late
        (at(first, 0) - MINUTE, set()),
        (at(first, 0), set()),
        (at(first, 15), set()),  # the period has ended
    ]
    timeline = [(now, {f"report.due:{pk}:{last}" for pk in schools}) for now, schools in timeline]
    run_timeline(report_services.warn_due_reports, "report.due:", timeline)
    zero = {"leader": "余明轩", "on_duty": "冯秀英", "on_post": True, "no_incident": True,
            "event_count": 0, "events": "", "hazards_found": 0, "hazards_fixed": 0,
            "warnings": "", "reporter_name": "王办公"}  # fmt: skip
    late = report_services.submit_daily_report(
        school=cast.school, day=last, content=zero, actor=actor(cast.admin),
        now=at(first, 0) + MINUTE,
    )  # fmt: skip
    assert late.deadline == at(last, 17) and late.submitted_at > late.deadline


@pytest.mark.django_db
@pytest.mark.parametrize("minutes", [-1, 0, 1])
def test_the_first_of_the_month_is_today_from_local_midnight(cast, first, minutes):
    """Reporting a day that has not come yet is refused; at 00:00 Shanghai the 1st has come,
    although it is still the last day in UTC."""
    from django.core.exceptions import ValidationError

    report_services.create_reporting_period(
        name="新月", start=first - timedelta(days=1), end=first, actor=actor(cast.official)
    )
    zero = {"leader": "余明轩", "on_duty": "冯秀英", "on_post": True, "no_incident": True,
            "event_count": 0, "events": "", "hazards_found": 0, "hazards_fixed": 0,
            "warnings": "", "reporter_name": "王办公"}  # fmt: skip
    now = at(first, 0) + timedelta(minutes=minutes)

    def submit():
        return report_services.submit_daily_report(
            school=cast.school, day=first, content=zero, actor=actor(cast.admin), now=now
        )

    if minutes < 0:
        with pytest.raises(ValidationError, match="not come yet"):
            submit()
    else:
        assert submit().deadline == at(first, 17)


# ---- hazards overdue --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_hazard_due_on_the_last_day_is_overdue_from_local_midnight_once_a_day(cast, first):
    last = first - timedelta(days=1)
    found = at(last, 9)
    hazard = hazard_services.report_hazard(
        school=cast.school, location="操场", description="围栏松动", actor=actor(cast.teacher),
        now=found,
    )  # fmt: skip
    hazard_services.assign_hazard(
        hazard=hazard, responsible=cast.tech, due_date=last, actor=actor(cast.admin),
        now=found + timedelta(minutes=5),
    )  # fmt: skip
    second = first + timedelta(days=1)
    timeline = [
        (at(last, 23, 59), set()),
        (at(first, 0), {f"hazard-overdue:{hazard.pk}:{first}"}),
        (at(first, 0) + MINUTE, set()),
        (at(first, 23, 59), set()),
        (at(second, 0), {f"hazard-overdue:{hazard.pk}:{second}"}),
        (at(second, 0) + MINUTE, set()),
    ]
    run_timeline(hazard_services.notify_overdue_hazards, "hazard-overdue:", timeline)
    first_notice = events("hazard-overdue:")[f"hazard-overdue:{hazard.pk}:{first}"]
    assert first_notice.recipient_id == cast.tech.user_id
    assert "(1 days)" in first_notice.subject
    assert Hazard.objects.get(pk=hazard.pk).due_date == last


# ---- inspection reminders ---------------------------------------------------------------


def planned(cast, day: date) -> Inspection:
    return Inspection.objects.create(
        school=cast.school, kind=InspectionKind.MONTHLY, status=InspectionStatus.PLANNED,
        month=day.replace(day=1), planned_on=day, inspector=cast.leader,
    )  # fmt: skip


@pytest.mark.django_db
def test_the_inspector_of_the_first_is_reminded_at_16_on_the_last_day(cast, first):
    last = first - timedelta(days=1)
    inspection = planned(cast, first)
    for now, told in [
        (at(last, 15, 59), 0),
        (at(last, 16), 1),
        (at(last, 16, 1), 0),
        (at(first, 0), 0),
    ]:
        assert remind_inspectors(now=now) == told, now
    inspection.refresh_from_db()
    assert inspection.reminded_at == at(last, 16)


@pytest.mark.django_db
@pytest.mark.parametrize(("minutes", "told"), [(-1, 1), (0, 0), (1, 0)])
def test_an_inspection_of_the_last_day_is_not_reminded_after_local_midnight(
    cast, first, minutes, told
):
    """Never reminded (planned late): on its own day the inspector is still told; from local
    midnight its day has passed, although the UTC date is still the same day."""
    planned(cast, first - timedelta(days=1))
    assert remind_inspectors(now=at(first, 0) + timedelta(minutes=minutes)) == told


# ---- visitors' personal data purged after the retention period -----------------------------


@pytest.mark.django_db
def test_a_visit_is_purged_the_minute_its_retention_period_has_passed(cast, first):
    came = at(first, 0) - timedelta(days=180)  # the default retention: 180 days to the minute
    visit = register_visit(
        school=cast.school, actor=actor(cast.guard), name="张三", phone="13800000000",
        id_type=IdType.PASSPORT, id_number="E12345678", purpose="家长会", now=came,
    )  # fmt: skip
    for now, purged in [(at(first, 0) - MINUTE, 0), (at(first, 0), 0), (at(first, 0) + MINUTE, 1)]:
        assert purge_expired_visits(now=now) == purged, now
    visit = Visit.objects.get(pk=visit.pk)
    assert visit.purged_at == at(first, 0) + MINUTE and visit.time_in == came


# ---- roster not published 7 days ahead -------------------------------------------------------


@pytest.mark.django_db
def test_the_office_is_told_from_local_midnight_when_the_1st_is_seven_days_ahead(cast, first):
    """This month's roster is published; from local midnight seven days before the 1st, the day
    a week ahead is the 1st, which has none yet."""
    last = first - timedelta(days=1)
    Roster.objects.create(
        school=cast.school, name="本月", start_date=last.replace(day=1), end_date=last,
        status=RosterStatus.PUBLISHED,
    )  # fmt: skip
    week_before = first - timedelta(days=7)
    timeline = [
        (at(week_before, 0) - MINUTE, set()),
        (at(week_before, 0), {f"roster.unpublished:{cast.school.pk}:{first}"}),
        (at(week_before, 0) + MINUTE, set()),
        (at(week_before, 23, 59), set()),
    ]
    seen = run_timeline(warn_unpublished, f"roster.unpublished:{cast.school.pk}:", timeline)
    assert [n.recipient_id for n in Notice.objects.filter(event__in=seen, channel="inapp")] == [
        cast.admin.user_id
    ]


# ---- corrective actions overdue ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_corrective_action_due_on_the_last_day_is_overdue_from_local_midnight(cast, first):
    from incidents.tests.factories_review import make_incident, write_report

    last = first - timedelta(days=1)
    incident = make_incident(cast, now=at(last, 10))
    report = write_report(cast, incident, due=last)
    action = report.actions.get()
    overdue = f"incident-action:{action.pk}:overdue:{first}"
    timeline = [
        (at(first, 0) - MINUTE, set()),
        (at(first, 0), {overdue}),
        (at(first, 0) + MINUTE, set()),
    ]
    seen = run_timeline(review_services.notify_overdue_actions, "incident-action:", timeline)
    assert seen == {overdue}  # told once, at local midnight, and of nothing else
    told = Notice.objects.filter(event=overdue, channel="inapp")
    # The owner and the principal, once each.
    recipients = sorted(told.values_list("recipient_id", flat=True))
    assert recipients == sorted({action.owner.user_id, cast.principal.user_id})


# ---- month scores: the months the periodic task keeps fresh -------------------------------------


@pytest.mark.parametrize("minutes", [-1, 0, 1])
def test_the_months_kept_fresh_turn_over_at_local_midnight(first, minutes, monkeypatch):
    """The periodic task recomputes the current and the previous month, by the local date (the
    task reads the clock: here, the test's)."""
    now = at(first, 0) + timedelta(minutes=minutes)
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    last = first - timedelta(days=1)
    previous = (last.replace(day=1) - timedelta(days=1)).replace(day=1)
    expected = [previous, last.replace(day=1)] if minutes < 0 else [last.replace(day=1), first]
    assert recent_months() == expected
