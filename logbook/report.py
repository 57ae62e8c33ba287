"""The day's record for leaders: every shift of a day (or a month) with its people, check-ins,
log, post checks, patrols, visitors and handovers, plus the day's hazards — read in a fixed
number of queries whatever the number of shifts, for the daily page and the exports alike.

``DAILY_SECTIONS`` is the hook for higher apps (incidents): each entry is a callable
``(school, day) -> dict | None``; a dict with ``template`` (and anything that template needs,
read as ``section``; without one, ``title`` and ``rows`` are shown as a table) is rendered on
the daily page; an ``event_count`` in it counts toward the events of the day's report to the
bureau; ``title`` with ``rows`` (lists of strings, the first the header) is added to the PDF
and Excel exports. Append to it in your AppConfig.ready(); this
app never imports the ones above it. A section should read a fixed number of queries.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q

from roster.checkin import attendance, checkin_of
from roster.excel import WEEKDAYS
from roster.models import Assignment, RosterStatus, Shift
from roster.reminders import settings_for
from staff.models import Role, School

DAILY_SECTIONS: list[Callable[[School, date], dict | None]] = []
LEADER_ROLES = frozenset({Role.LEADER, Role.PRINCIPAL})
JOIN = "、"


@dataclass
class Duty:
    assignment: Assignment
    state: str
    checked_in_at: datetime | None

    @property
    def staff(self):
        return self.assignment.staff


@dataclass
class ShiftRecord:
    shift: Shift
    duties: list[Duty] = field(default_factory=list)
    log: object | None = None
    amendments: int = 0
    post_checks: list = field(default_factory=list)
    rounds: list = field(default_factory=list)
    results: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    handovers: list = field(default_factory=list)

    @property
    def leaders(self) -> list[Duty]:
        return [d for d in self.duties if d.assignment.role in LEADER_ROLES]

    @property
    def others(self) -> list[Duty]:
        return [d for d in self.duties if d.assignment.role not in LEADER_ROLES]

    @property
    def leader_names(self) -> str:
        return JOIN.join(d.staff.name for d in self.leaders)

    @property
    def other_names(self) -> str:
        return JOIN.join(d.staff.name for d in self.others)

    @property
    def overnight(self) -> bool:
        zone = zoneinfo.ZoneInfo(self.shift.roster.school.time_zone)
        return self.shift.ends_at.astimezone(zone).date() > self.shift.date

    @property
    def log_status(self) -> str:
        return self.log.status if self.log is not None else "missing"

    @property
    def items_due(self) -> int:
        return sum(len(r.due_item_ids or []) for r in self.rounds)

    @property
    def items_done(self) -> int:
        return sum(r.n_results for r in self.rounds)

    @property
    def problems(self) -> int:
        return sum(r.n_problems for r in self.rounds)

    @property
    def patrol_percent(self) -> int | None:
        due = self.items_due
        return min(100, round(100 * self.items_done / due)) if due else None

    @property
    def arrived_at(self) -> datetime | None:
        times = [d.checked_in_at for d in self.duties if d.checked_in_at]
        return min(times) if times else None


@dataclass
class DayRecord:
    school: School
    day: date
    shifts: list[ShiftRecord] = field(default_factory=list)
    hazards_found: list = field(default_factory=list)
    hazards_fixed: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.day.weekday()]

    @property
    def leader_names(self) -> str:
        return _unique_join(n for s in self.shifts for n in s.leader_names.split(JOIN) if n)

    @property
    def other_names(self) -> str:
        return _unique_join(n for s in self.shifts for n in s.other_names.split(JOIN) if n)

    @property
    def on_campus(self) -> list:
        return [v for v in self.visits if v.time_out is None and v.purged_at is None]

    @property
    def handover_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("accepted", "refused", "pending"), 0)
        for s in self.shifts:
            for h in s.handovers:
                counts[handover_state(h)] += 1
        return counts

    @property
    def event_count(self) -> int:
        return sum(int(s.get("event_count") or 0) for s in self.sections)

    @property
    def all_on_post(self) -> bool:
        states = [d.state for s in self.shifts for d in s.duties]
        return bool(states) and not any(state in ("absent", "late") for state in states)

    @property
    def post_check_count(self) -> int:
        return sum(len(s.post_checks) for s in self.shifts)

    @property
    def weather(self) -> str:
        return _unique_join(s.log.weather for s in self.shifts if s.log and s.log.weather)


def _unique_join(names) -> str:
    return JOIN.join(dict.fromkeys(names))


def handover_state(handover) -> str:
    return handover.status if handover.status in ("accepted", "refused") else "pending"


def day_bounds(school: School, first: date, last: date) -> tuple[datetime, datetime]:
    zone = zoneinfo.ZoneInfo(school.time_zone)
    start = datetime.combine(first, time(), tzinfo=zone)
    return start, datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)


def local_date(moment: datetime, school: School) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(school.time_zone)).date()


def collect_days(
    school: School, first: date, last: date, *, now: datetime, sections: bool = True
) -> list[DayRecord]:
    """One DayRecord per date in [first, last]; a fixed number of queries for any range."""
    people = Assignment.objects.select_related("staff", "checkin").prefetch_related("staff__roles")
    shifts = list(
        Shift.objects.for_school(school)
        .filter(roster__status=RosterStatus.PUBLISHED, date__range=(first, last))
        .select_related("shift_type", "roster__school")
        .prefetch_related(_prefetch_assignments(people))
        .order_by("date", "starts_at", "shift_type__start_time")
    )
    settings = settings_for(school)
    records = {s.pk: _shift_record(s, now, settings) for s in shifts}
    if records:
        _attach_logbook(records)
    days = {}
    day = first
    while day <= last:
        days[day] = DayRecord(school, day)
        day += timedelta(days=1)
    for shift in shifts:
        days[shift.date].shifts.append(records[shift.pk])
    _attach_hazards(school, first, last, days)
    _attach_visits(school, first, last, days)
    if sections:
        for record in days.values():
            for section in DAILY_SECTIONS:
                result = section(school, record.day)
                if result:
                    record.sections.append(result)
    return list(days.values())


def _prefetch_assignments(people):
    from django.db.models import Prefetch

    return Prefetch("assignments", queryset=people.order_by("role", "staff__name"))


def _shift_record(shift: Shift, now: datetime, settings) -> ShiftRecord:
    record = ShiftRecord(shift)
    for assignment in shift.assignments.all():
        assignment.shift = shift  # attendance reads the shift; it is already here
        checkin = checkin_of(assignment)
        record.duties.append(
            Duty(
                assignment,
                attendance(assignment, now, settings=settings),
                checkin.checked_in_at if checkin else None,
            )
        )
    return record


def _attach_logbook(records: dict[int, ShiftRecord]) -> None:
    """Logs, post checks, patrols, visits and handovers of these shifts: one query each."""
    from logbook import models as m

    ids = list(records)
    logs = m.DutyLog.objects.filter(shift__in=ids).annotate(n_amendments=Count("amendments"))
    for log in logs.select_related("author", "submitted_by", "signed_by"):
        records[log.shift_id].log = log
        records[log.shift_id].amendments = log.n_amendments
    for check in m.PostCheck.objects.filter(shift__in=ids).select_related("leader"):
        records[check.shift_id].post_checks.append(check)
    rounds = m.PatrolRound.objects.filter(shift__in=ids).annotate(
        n_results=Count("results"),
        n_problems=Count("results", filter=Q(results__status=m.ResultStatus.PROBLEM)),
    )
    for patrol in rounds.select_related("started_by").order_by("started_at"):
        records[patrol.shift_id].rounds.append(patrol)
    results = m.PatrolResult.objects.filter(round__shift__in=ids).select_related(
        "round", "item__checkpoint", "recorded_by", "hazard"
    )
    for result in results.order_by("recorded_at", "pk"):
        records[result.round.shift_id].results.append(result)
    handovers = m.HandoverNote.objects.filter(from_shift__in=ids).select_related(
        "decided_by__staff"
    )
    for handover in handovers.order_by("handed_over_at", "pk"):
        records[handover.from_shift_id].handovers.append(handover)


def _attach_hazards(school: School, first: date, last: date, days: dict) -> None:
    from logbook.models import Hazard

    start, end = day_bounds(school, first, last)
    found_or_fixed = Q(found_at__gte=start, found_at__lt=end) | Q(
        fixed_at__gte=start, fixed_at__lt=end
    )
    rows = Hazard.objects.filter(found_or_fixed, school=school).select_related("found_by")
    for hazard in rows.order_by("found_at", "pk"):
        if start <= hazard.found_at < end:
            days[local_date(hazard.found_at, school)].hazards_found.append(hazard)
        if hazard.fixed_at and start <= hazard.fixed_at < end:
            days[local_date(hazard.fixed_at, school)].hazards_fixed.append(hazard)


def _attach_visits(school: School, first: date, last: date, days: dict) -> None:
    """Visits by the day they began, and to the shift on duty when they came in."""
    from logbook.models import Visit

    start, end = day_bounds(school, first, last)
    rows = Visit.objects.filter(school=school, time_in__gte=start, time_in__lt=end)
    for visit in rows.select_related("host").order_by("time_in", "pk"):
        day = days[local_date(visit.time_in, school)]
        day.visits.append(visit)
        for record in (r for d in days.values() for r in d.shifts):
            if record.shift.starts_at <= visit.time_in < record.shift.ends_at:
                record.visits.append(visit)
                break


def report_prefill(record: DayRecord) -> dict:
    """The daily report to the bureau as the day's records suggest it; the school checks it.
    The zero-report tick is never pre-set: "nothing happened" is said by a person, explicitly."""
    return {
        "leader": record.leader_names,
        "on_duty": record.other_names,
        "on_post": record.all_on_post,
        "event_count": record.event_count or None,
        "hazards_found": len(record.hazards_found),
        "hazards_fixed": len(record.hazards_fixed),
    }
