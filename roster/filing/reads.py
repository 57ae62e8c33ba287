"""Reads for filing pages: the choke-points, the school's statuses and the bureau's dashboard,
each in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.http import Http404

from roster.filing.periods import (
    LOOK_BACK,
    FilingStatus,
    HolidayPeriod,
    is_late,
    upcoming_for_schools,
    upcoming_holidays,
)
from roster.filing.submit import can_file
from roster.models import FilingPolicy, HolidayFiling
from staff.models import School

RECENT = timedelta(days=30)  # the bureau keeps seeing a holiday this long after it ends


def require_filer(actor, school_id: int | None) -> None:
    if school_id is None or school_id not in actor.school_ids:
        raise Http404
    if not can_file(actor, school_id):
        raise PermissionDenied


def get_filing_for_user(actor, pk: int) -> HolidayFiling:
    """404 outside the actor's schools; school staff other than the filers get 403."""
    filing = (
        HolidayFiling.objects.select_related("school", "filed_by")
        .filter(pk=pk, school__in=actor.school_ids)
        .first()
    )
    if filing is None:
        raise Http404
    if not actor.is_bureau and not can_file(actor, filing.school_id):
        raise PermissionDenied
    return filing


def versions_of(filing: HolidayFiling) -> list[HolidayFiling]:
    return list(
        HolidayFiling.objects.filter(
            school=filing.school_id, holiday=filing.holiday, start_date=filing.start_date
        ).order_by("-version")
    )


def _statuses(filings, periods: list[HolidayPeriod], now: datetime) -> list[FilingStatus]:
    first, latest = {}, {}
    for f in filings:  # ordered by version
        first.setdefault((f.holiday, f.start_date), f)
        latest[(f.holiday, f.start_date)] = f
    return [FilingStatus(p, latest.get(p.key), first.get(p.key), now > p.deadline) for p in periods]


def school_filing_statuses(school: School, *, today: date, now: datetime) -> list[FilingStatus]:
    periods = upcoming_holidays(school, today=today)
    filings = HolidayFiling.objects.filter(school=school, start_date__gte=today - LOOK_BACK)
    return _statuses(filings.order_by("version"), periods, now)


def find_period(school: School, *, start: date, today: date) -> HolidayPeriod:
    for period in upcoming_holidays(school, today=today):
        if period.start == start:
            return period
    raise Http404


@dataclass
class BureauHoliday:
    name: str
    start: date
    end: date
    rows: list[dict]


def bureau_dashboard(actor, *, today: date, now: datetime) -> list[BureauHoliday]:
    """Per holiday, each of the bureau's schools: latest version, when, on time or late. The
    schools' calendars (their overrides differ) are read together: the same queries for any
    number of schools."""
    if not actor.is_bureau:
        raise PermissionDenied
    schools = list(School.objects.filter(pk__in=actor.school_ids).order_by("name"))
    policy = FilingPolicy.objects.filter(bureau_id=actor.official.bureau_id).first()
    filings = defaultdict(list)
    for f in HolidayFiling.objects.filter(
        school__in=actor.school_ids, end_date__gte=today - RECENT
    ).order_by("version"):
        filings[(f.holiday, f.start_date)].append(f)
    holidays: dict[tuple[str, date], BureauHoliday] = {}
    deadlines: dict[tuple[tuple[str, date], int], datetime] = {}
    periods = upcoming_for_schools(
        schools, today=today, policy=policy or FilingPolicy(bureau_id=actor.official.bureau_id)
    )
    for school in schools:
        for p in periods[school.pk]:
            holidays.setdefault(p.key, BureauHoliday(p.name, p.start, p.end, []))
            deadlines[(p.key, school.pk)] = p.deadline
    for key, rows in filings.items():
        holidays.setdefault(key, BureauHoliday(key[0], key[1], rows[-1].end_date, []))
    for key, holiday in holidays.items():
        for school in schools:
            versions = [f for f in filings.get(key, []) if f.school_id == school.pk]
            deadline = versions[0].deadline if versions else deadlines.get((key, school.pk))
            holiday.rows.append({
                "school": school, "versions": versions[::-1],
                "latest": versions[-1] if versions else None,
                "late": is_late(versions[0]) if versions else None,
                "deadline": deadline,
                "overdue": not versions and deadline is not None and now > deadline,
            })  # fmt: skip
    return sorted(holidays.values(), key=lambda h: (h.start, h.name))


def latest_filings(actor, *, holiday: str = "", start: date | None = None) -> list[HolidayFiling]:
    """The latest version of every filing of the actor's (bureau's) schools."""
    if not actor.is_bureau:
        raise PermissionDenied
    rows = HolidayFiling.objects.filter(school__in=actor.school_ids)
    if holiday and start:
        rows = rows.filter(holiday=holiday, start_date=start)
    rows = rows.order_by("school_id", "holiday", "start_date", "-version").distinct(
        "school_id", "holiday", "start_date"
    )
    return sorted(rows.select_related("school"), key=lambda f: (f.start_date, f.school.name))
