"""Reads for reporting up (值班日报 / 零报告): periods, cut-offs, report status per school and day,
and the permission choke-points for reports and periods.

Status of one school on one day (``day_status``): ``reported`` (on time, with events), ``zero``
(on time, 零报告), ``late`` (the first version came after the cut-off), ``missing`` (the cut-off
has passed and nothing came) or ``due`` (not yet in, cut-off still ahead).
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from logbook.models import DailyReport, ReportChase, ReportingPeriod
from roster.models import Assignment
from staff.models import Role, School, User

REPORTER_ROLES = frozenset({Role.PRINCIPAL, Role.LEADER, Role.ADMIN})
CONTACT_ROLES = (Role.PRINCIPAL, Role.ADMIN)
RECENT = timedelta(days=45)  # periods still listed this long after they end


def zone_of(school: School) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(school.time_zone)


def local_today(school: School, now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), zone_of(school)).date()


def deadline_for(school: School, period: ReportingPeriod, day: date) -> datetime:
    return datetime.combine(day, period.cutoff, tzinfo=zone_of(school))


def period_for(school: School, day: date) -> ReportingPeriod | None:
    if school.bureau_id is None:
        return None
    return ReportingPeriod.objects.filter(
        bureau_id=school.bureau_id, start_date__lte=day, end_date__gte=day
    ).first()


def can_report(actor, school_id: int) -> bool:
    return (
        not actor.is_bureau and bool(actor.roles & REPORTER_ROLES) and school_id in actor.school_ids
    )


def school_contacts(school: School) -> list[User]:
    """Who is told about the school's reports: its principal(s) and office administrators."""
    return list(
        User.objects.filter(
            staff__school=school, staff__active=True, staff__roles__role__in=CONTACT_ROLES
        ).distinct()
    )


# ---- choke-points ----------------------------------------------------------------------------


def get_daily_report_for_user(actor, pk: int) -> DailyReport:
    """404 outside the actor's schools (and the bureau's); school staff who do not report: 403."""
    report = (
        DailyReport.objects.select_related("school", "period", "reporter")
        .filter(pk=pk, school__in=actor.school_ids)
        .first()
    )
    if report is None:
        raise Http404
    if not actor.is_bureau and not can_report(actor, report.school_id):
        raise PermissionDenied
    return report


def require_reporter(actor) -> School:
    """The actor's own school, if they may report for it."""
    school = actor.school
    if school is None or not can_report(actor, school.pk):
        raise PermissionDenied
    return school


def latest_report(school: School, day: date) -> DailyReport | None:
    return DailyReport.objects.filter(school=school, date=day).order_by("-version").first()


def versions_of(report: DailyReport) -> list[DailyReport]:
    return list(
        DailyReport.objects.filter(school=report.school_id, date=report.date)
        .select_related("reporter")
        .order_by("-version")
    )


# ---- status ----------------------------------------------------------------------------------


def day_status(first: DailyReport | None, latest: DailyReport | None, deadline, now) -> str:
    if first is None:
        return "missing" if now >= deadline else "due"
    if first.submitted_at > first.deadline:
        return "late"
    return "zero" if latest.no_incident else "reported"


@dataclass
class DayRow:
    day: date
    status: str
    deadline: datetime
    first: DailyReport | None = None
    latest: DailyReport | None = None
    versions: int = 0
    chased_at: datetime | None = None


@dataclass
class PeriodDays:
    period: ReportingPeriod
    days: list[DayRow] = field(default_factory=list)


def _first_and_latest(reports) -> dict[tuple[int, date], list[DailyReport]]:
    by_key = defaultdict(list)
    for report in reports:  # ordered by version
        by_key[(report.school_id, report.date)].append(report)
    return by_key


def school_periods(actor, *, now: datetime | None = None) -> list[PeriodDays]:
    """The school's current and recent periods, each day up to today with its status.
    Three queries whatever the number of days."""
    school = require_reporter(actor)
    now = now or timezone.now()
    today = local_today(school, now)
    periods = list(
        ReportingPeriod.objects.filter(
            bureau_id=school.bureau_id, end_date__gte=today - RECENT, start_date__lte=today + RECENT
        ).order_by("-start_date")
    )
    if not periods:
        return []
    reports = _first_and_latest(
        DailyReport.objects.filter(
            school=school,
            date__gte=min(p.start_date for p in periods),
            date__lte=max(p.end_date for p in periods),
        ).order_by("version")
    )
    out = []
    for period in periods:
        rows = PeriodDays(period)
        day = min(period.end_date, today)
        while day >= period.start_date:
            versions = reports.get((school.pk, day), [])
            rows.days.append(_row(day, versions, deadline_for(school, period, day), now))
            day -= timedelta(days=1)
        out.append(rows)
    return out


def _row(day, versions, deadline, now, chased_at=None) -> DayRow:
    first = versions[0] if versions else None
    latest = versions[-1] if versions else None
    status = day_status(first, latest, deadline, now)
    return DayRow(day, status, deadline, first, latest, len(versions), chased_at)


@dataclass
class SchoolRow:
    school: School
    row: DayRow


@dataclass
class BureauDay:
    day: date
    period: ReportingPeriod | None
    schools: list[SchoolRow]
    counts: dict[str, int]


def bureau_day(actor, *, day: date, now: datetime | None = None) -> BureauDay:
    """Every school of the actor's bureau and its report status for ``day``. Four queries
    whatever the number of schools."""
    if not actor.is_bureau:
        raise PermissionDenied
    now = now or timezone.now()
    period = ReportingPeriod.objects.filter(
        bureau_id=actor.official.bureau_id, start_date__lte=day, end_date__gte=day
    ).first()
    counts = dict.fromkeys(("reported", "zero", "late", "missing", "due"), 0)
    if period is None:
        return BureauDay(day, None, [], counts)
    schools = list(School.objects.filter(pk__in=actor.school_ids).order_by("name"))
    reports = _first_and_latest(
        DailyReport.objects.filter(school__in=actor.school_ids, date=day).order_by("version")
    )
    chases = dict(
        ReportChase.objects.filter(school__in=actor.school_ids, date=day).values_list(
            "school_id", "chased_at"
        )
    )
    rows = []
    for school in schools:
        row = _row(
            day, reports.get((school.pk, day), []), deadline_for(school, period, day), now,
            chases.get(school.pk),
        )  # fmt: skip
        counts[row.status] += 1
        rows.append(SchoolRow(school, row))
    return BureauDay(day, period, rows, counts)


def bureau_periods(actor) -> list[ReportingPeriod]:
    if not actor.is_bureau:
        raise PermissionDenied
    return list(
        ReportingPeriod.objects.filter(bureau_id=actor.official.bureau_id)
        .select_related("created_by")
        .order_by("-start_date")
    )


def bureau_month_reports(actor, *, first: date, last: date) -> list[dict]:
    """One row per school per period day in [first, last] (today at most): the latest version
    and the day's status. For the bureau's month export."""
    if not actor.is_bureau:
        raise PermissionDenied
    now = timezone.now()
    periods = list(
        ReportingPeriod.objects.filter(
            bureau_id=actor.official.bureau_id, start_date__lte=last, end_date__gte=first
        )
    )
    schools = list(School.objects.filter(pk__in=actor.school_ids).order_by("name"))
    reports = _first_and_latest(
        DailyReport.objects.filter(school__in=actor.school_ids, date__range=(first, last))
        .select_related("reporter")
        .order_by("version")
    )
    out = []
    for period in sorted(periods, key=lambda p: p.start_date):
        day = max(first, period.start_date)
        while day <= min(last, period.end_date):
            for school in schools:
                if day > local_today(school, now):
                    continue
                versions = reports.get((school.pk, day), [])
                row = _row(day, versions, deadline_for(school, period, day), now)
                out.append({"school": school, "period": period, "row": row})
            day += timedelta(days=1)
    return out


# ---- the archive of duty logs ----------------------------------------------------------------

ARCHIVE_PAGE = 20


def _problem_flags():
    """Conditions, each correlated to a log's shift, that make a log 'have problems'."""
    from logbook import models as m

    flags = {
        "patrol": Exists(
            m.PatrolResult.objects.filter(
                round__shift=OuterRef("shift"), status=m.ResultStatus.PROBLEM
            )
        ),
        "hazard": Exists(
            m.Hazard.objects.filter(
                school=OuterRef("school"),
                found_at__gte=OuterRef("shift__starts_at"),
                found_at__lt=OuterRef("shift__ends_at"),
            )
        ),
        "amended": Exists(m.LogAmendment.objects.filter(log=OuterRef("pk"))),
        "refused": Exists(
            m.HandoverNote.objects.filter(
                from_shift=OuterRef("shift"), status=m.HandoverStatus.REFUSED
            )
        ),
    }
    return flags


def archive_logs(
    actor,
    *,
    start: date | None = None,
    end: date | None = None,
    person: str = "",
    q: str = "",
    problems: bool = False,
) -> QuerySet:
    """The school's duty logs, newest first, filtered; each annotated with its problem flags.
    Principal, leaders and the office only: a teacher never lists other people's logs."""
    from logbook.models import CONTENT_FIELDS, DutyLog, LogAmendment

    school = require_reporter(actor)
    flags = _problem_flags()
    logs = DutyLog.objects.filter(school=school).annotate(
        **{f"has_{k}": v for k, v in flags.items()}
    )
    if start:
        logs = logs.filter(date__gte=start)
    if end:
        logs = logs.filter(date__lte=end)
    person = person.strip()
    if person:
        on_shift = Assignment.objects.filter(shift=OuterRef("shift"), staff__name__icontains=person)
        logs = logs.filter(Q(Exists(on_shift)) | Q(author__name__icontains=person))
    q = q.strip()
    if q:
        text = Q()
        for name in CONTENT_FIELDS:
            if name != "students_present":
                text |= Q(**{f"{name}__icontains": q})
        amended = LogAmendment.objects.filter(log=OuterRef("pk"), text__icontains=q)
        logs = logs.filter(text | Q(Exists(amended)))
    if problems:
        any_flag = Q()
        for name in flags:
            any_flag |= Q(**{f"has_{name}": True})
        logs = logs.filter(any_flag)
    people = Assignment.objects.select_related("staff").order_by("role", "staff__name")
    return (
        logs.select_related("shift__shift_type", "author", "signed_by")
        .prefetch_related(Prefetch("shift__assignments", queryset=people))
        .order_by("-date", "-shift__starts_at", "-pk")
    )
