"""Holiday roster filing with the bureau (节假日值班表报备): the periods to file, the frozen copy.

A holiday period is a run of consecutive public-holiday and weekend days holding at least one
named holiday (from the official calendar, or the school's own ``holiday`` overrides in years the
calendar has no data for). Its deadline is the bureau's rule — N days before the first day, by a
set hour — in the school's time zone.

A filing copies the published duty of each day into plain rows (names, posts and mobiles as
they were), so a later roster change never alters what the bureau received: a change is filed
again as the next version, and the bureau sees every version with the latest marked.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from roster.calendar import school_calendar
from roster.excel import HOLIDAY_NAMES, WEEKDAYS
from roster.models import (
    Assignment,
    DayKind,
    FilingPolicy,
    HolidayFiling,
    RosterStatus,
    Shift,
)
from roster.timing import crosses_midnight
from staff.models import Role, School, User

FILER_ROLES = frozenset({Role.ADMIN, Role.PRINCIPAL})
LEADER_ROLES = frozenset({Role.LEADER, Role.PRINCIPAL})
MAX_PERIOD_DAYS = 31
LOOK_BACK = timedelta(days=10)  # a period that has already begun is still listed
RECENT = timedelta(days=30)  # the bureau keeps seeing a holiday this long after it ends
JOIN = "、"


@dataclass(frozen=True)
class HolidayPeriod:
    name: str
    start: date
    end: date
    deadline: datetime

    @property
    def key(self) -> tuple[str, date]:
        return (self.name, self.start)


@dataclass(frozen=True)
class FilingStatus:
    period: HolidayPeriod
    latest: HolidayFiling | None
    first: HolidayFiling | None
    overdue: bool

    @property
    def code(self) -> str:
        if self.latest is None:
            return "overdue" if self.overdue else "not_filed"
        return "late" if is_late(self.first) else "on_time"


def is_late(filing: HolidayFiling) -> bool:
    return filing.filed_at > filing.deadline


def filing_policy(school: School) -> FilingPolicy:
    """The bureau's rule, or the default (unsaved) when the bureau has set none."""
    policy = FilingPolicy.objects.filter(bureau_id=school.bureau_id).first()
    return policy or FilingPolicy(bureau_id=school.bureau_id)


def deadline_for(school: School, first_day: date, policy: FilingPolicy) -> datetime:
    day = first_day - timedelta(days=policy.days_before)
    return datetime.combine(day, policy.deadline_time, tzinfo=zoneinfo.ZoneInfo(school.time_zone))


def _holiday_label(name: str) -> str:
    return HOLIDAY_NAMES.get(name, name) or "节假日"


def upcoming_holidays(
    school: School, *, today: date, horizon_days: int = 60, policy: FilingPolicy | None = None
) -> list[HolidayPeriod]:
    """Holiday periods not yet over that begin within ``horizon_days`` of ``today``."""
    policy = policy or filing_policy(school)
    last = today + timedelta(days=horizon_days)
    # Scan a little wider both ways so a period crossing either edge is seen whole.
    days = school_calendar(school, today - LOOK_BACK, last + timedelta(days=MAX_PERIOD_DAYS))
    periods, run = [], []
    for day in sorted(days):
        info = days[day]
        if info.kind in (DayKind.HOLIDAY, DayKind.WEEKEND):
            run.append(info)
            continue
        periods.extend(_period_from(run))
        run = []
    periods.extend(_period_from(run))
    return [
        HolidayPeriod(name, start, end, deadline_for(school, start, policy))
        for name, start, end in periods
        if end >= today and start <= last
    ]


def _period_from(run: list) -> list[tuple[str, date, date]]:
    names = [i.holiday_name for i in run if i.kind == DayKind.HOLIDAY]
    if not names:
        return []  # a plain weekend
    return [(_holiday_label(next((n for n in names if n), "")), run[0].date, run[-1].date)]


# ---- the frozen rows -------------------------------------------------------------------------


def _person(staff) -> dict:
    return {"name": staff.name, "position": staff.position, "phone": staff.phone}


def build_rows(school: School, start: date, end: date) -> list[dict]:
    """One row per date from the published roster; refuses a day that cannot be filed."""
    shifts = list(
        Shift.objects.filter(roster__school=school, date__range=(start, end))
        .select_related("roster", "shift_type")
        .order_by("date", "starts_at")
    )
    assignments = defaultdict(list)
    for a in (
        Assignment.objects.filter(shift__in=shifts).select_related("staff").order_by("staff__name")
    ):
        assignments[a.shift_id].append(a)
    by_day = defaultdict(list)
    for shift in shifts:
        by_day[shift.date].append(shift)
    rows, problems = [], []
    day = start
    while day <= end:
        row, problem = _row_for(day, by_day[day], assignments)
        rows.append(row)
        if problem:
            problems.append(problem)
        day += timedelta(days=1)
    if problems:
        raise ValidationError(problems)
    return rows


def _row_for(day: date, shifts: list[Shift], assignments) -> tuple[dict, str]:
    label = f"{day:%Y-%m-%d}"
    if not shifts:
        return {}, _("No roster covers %(date)s.") % {"date": label}
    if any(s.roster.status != RosterStatus.PUBLISHED for s in shifts):
        return {}, _("The roster for %(date)s is not published yet.") % {"date": label}
    leaders, staff, night, seen = [], [], [], set()
    for shift in shifts:
        overnight = crosses_midnight(shift.shift_type.start_time, shift.shift_type.duration_minutes)
        for a in assignments[shift.pk]:
            if a.role in LEADER_ROLES:
                if a.staff_id not in seen:
                    leaders.append(_person(a.staff))
                seen.add(a.staff_id)
                continue
            staff.append({**_person(a.staff), "role": a.role})
            if overnight:
                night.append({**_person(a.staff), "role": a.role})
    guards = [p for p in night if p["role"] == Role.GUARD]
    row = {
        "date": day.isoformat(),
        "weekday": WEEKDAYS[day.weekday()],
        "leader": JOIN.join(p["name"] for p in leaders),
        "leader_post": JOIN.join(p["position"] for p in leaders if p["position"]),
        "leader_phone": JOIN.join(p["phone"] for p in leaders),
        "leaders": leaders,
        "staff": _unique(staff),
        "night": _unique(guards or night),
    }
    if not leaders:
        return row, _("%(date)s has no duty leader (带班领导).") % {"date": label}
    if not staff:
        return row, _("%(date)s has no one on duty (值班人员).") % {"date": label}
    return row, ""


def _unique(people: list[dict]) -> list[dict]:
    out, seen = [], set()
    for p in people:
        if p["phone"] not in seen:
            seen.add(p["phone"])
            out.append({"name": p["name"], "phone": p["phone"]})
    return out


def people_text(people: list[dict]) -> str:
    return JOIN.join(f"{p['name']}({p['phone']})" for p in people)


# ---- the write -------------------------------------------------------------------------------


def can_file(actor, school_id: int) -> bool:
    return bool(actor.roles & FILER_ROLES) and school_id in actor.school_ids


def file_holiday_roster(
    *,
    school: School,
    holiday: str,
    start: date,
    end: date,
    duty_phone: str,
    night_contact: str,
    filer_name: str,
    filer_phone: str,
    note: str = "",
    actor,
    now: datetime | None = None,
) -> HolidayFiling:
    """File (or re-file, as the next version) the school's holiday duty roster."""
    if not can_file(actor, school.pk):
        raise PermissionDenied
    if end < start or (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationError(_("A holiday period is one to %(n)s days.") % {"n": MAX_PERIOD_DAYS})
    if not duty_phone.strip():
        raise ValidationError(_("Give the duty landline the bureau will call."))
    now = now or timezone.now()
    rows = build_rows(school, start, end)
    deadline = deadline_for(school, start, filing_policy(school))
    with transaction.atomic(durable=True):
        School.objects.select_for_update().filter(pk=school.pk).first()  # serialise versions
        previous = (
            HolidayFiling.objects.filter(school=school, holiday=holiday, start_date=start)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        filing = HolidayFiling.objects.create(
            school=school, holiday=holiday, start_date=start, end_date=end,
            version=(previous or 0) + 1, deadline=deadline, filed_at=now, filed_by=actor.user,
            duty_phone=duty_phone.strip(), night_contact=night_contact.strip(),
            filer_name=filer_name.strip(), filer_phone=filer_phone.strip(), rows=rows,
            note=note.strip(),
        )  # fmt: skip
        _tell_bureau(filing, previous)
    return filing


def _tell_bureau(filing: HolidayFiling, previous: int | None) -> None:
    from notifications.fanout import notify

    school = filing.school
    officials = User.objects.filter(bureau_official__bureau_id=school.bureau_id)
    values = {"school": school.name, "holiday": filing.holiday, "v": filing.version}
    if previous:
        subject = _("%(school)s re-filed its %(holiday)s duty roster (v%(v)s)") % values
        body = _("Version %(v)s replaces version %(old)s.") % {**values, "old": previous}
    else:
        subject = _("%(school)s filed its %(holiday)s duty roster") % values
        body = ""
    if is_late(filing):
        body = f"{body} {_('Filed after the deadline.')}".strip()
    notify(
        school=school, recipients=officials, event=f"filing:{filing.pk}", subject=subject,
        body=body, url=reverse("roster:filing-detail", args=[filing.pk]),
    )  # fmt: skip


# ---- reads and choke-points ------------------------------------------------------------------


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
    """Per holiday, each of the bureau's schools: latest version, when, on time or late.
    The calendar is read per school (their overrides differ): a few queries per school."""
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
    for school in schools:
        default = policy or FilingPolicy(bureau_id=school.bureau_id)
        for p in upcoming_holidays(school, today=today, policy=default):
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


SHEET_HEADERS = [
    "填报单位", "假期名称", "起止日期", "日期", "星期", "带班领导", "职务", "手机", "值班人员",
    "值班固定电话", "夜间值班", "填报人", "联系电话", "版本", "填报时间", "是否逾期", "备注",
]  # fmt: skip


def filings_workbook(filings: list[HolidayFiling]) -> bytes:
    """All filings in one sheet: one row per school per date, every field of the form."""
    import io

    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "节假日值班表"
    sheet.append(SHEET_HEADERS)
    for f in filings:
        zone = zoneinfo.ZoneInfo(f.school.time_zone)
        period = f"{f.start_date:%Y-%m-%d}至{f.end_date:%Y-%m-%d}"
        filed = f"{f.filed_at.astimezone(zone):%Y-%m-%d %H:%M}"
        for row in f.rows:
            night = people_text(row["night"]) or f.night_contact
            sheet.append([
                f.school.name, f.holiday, period, row["date"], row["weekday"], row["leader"],
                row["leader_post"], row["leader_phone"], people_text(row["staff"]),
                f.duty_phone, night, f.filer_name, f.filer_phone, f.version, filed,
                "是" if is_late(f) else "否", f.note,
            ])  # fmt: skip
    for n, width in enumerate([16, 8, 24, 12, 8, 10, 10, 14, 40, 14, 30, 8, 14, 6, 17, 8, 20], 1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
