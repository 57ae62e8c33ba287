"""Demo data: reporting up (see logbook/demo/__init__.py).

The demo bureau declares a reporting period around today (and the coming New Year holiday);
the demo school has sent its daily reports for the past days of it: zero reports mostly, one
day with events, one sent after the cut-off, and one day missing. Idempotent: an existing
period or an existing report of a day is left as it is.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from logbook import report
from logbook.models import DailyReport, ReportingPeriod
from logbook.queries.report import zone_of
from logbook.services import report as services
from staff.demo import demo_now, local_today
from staff.models import BureauOfficial, Role, Staff
from staff.queries import actor_for

CURRENT = "冬季安全专项"
DAYS_BEFORE, DAYS_AFTER = 10, 4
EVENTS_DAY, LATE_DAY, MISSING_DAY = 7, 4, 2  # days before today
EVENT = "放学时一名学生在校门口摔倒擦伤膝盖，校医处理后由家长接回，已电话回访。"


def _periods(official, today: date) -> list[str]:
    made = []
    actor = actor_for(official.user)
    new_year = date(today.year + (today.month > 1), 1, 1)
    if new_year - timedelta(days=1) <= today + timedelta(days=DAYS_AFTER):
        new_year = date(new_year.year + 1, 1, 1)  # keep clear of the current period
    wanted = [
        (CURRENT, today - timedelta(days=DAYS_BEFORE), today + timedelta(days=DAYS_AFTER)),
        ("元旦", new_year - timedelta(days=1), new_year + timedelta(days=2)),
    ]
    for name, start, end in wanted:
        if ReportingPeriod.objects.filter(bureau=official.bureau, name=name).exists():
            continue
        if ReportingPeriod.objects.filter(
            bureau=official.bureau, start_date__lte=end, end_date__gte=start
        ).exists():
            continue
        services.create_reporting_period(name=name, start=start, end=end, actor=actor)
        made.append(f"reporting period {name} {start:%m-%d}–{end:%m-%d}")
    return made


def _content(school, day: date, reporter: Staff, n: int, now: datetime) -> dict:
    [record] = report.collect_days(school, day, day, now=now, sections=False)
    content = {**report.report_prefill(record), "reporter_name": reporter.name}
    content["leader"] = content["leader"] or reporter.name
    content["on_post"] = True
    if n == EVENTS_DAY:
        content.update(no_incident=False, event_count=1, events=EVENT)
    else:
        content.update(no_incident=True, event_count=0, events="")
    if n in (5, 6):
        content["warnings"] = "气象台发布寒潮蓝色预警，已加强夜间巡查。"
    return content


def seed(school, *, now: datetime | None = None) -> list[str]:
    """Create this part's demo records for school; return short descriptions of what was made."""
    official = BureauOfficial.objects.filter(bureau_id=school.bureau_id).first()
    reporter = Staff.objects.for_school(school).with_role(Role.ADMIN).first()
    if official is None or reporter is None or reporter.user is None:
        return []
    now = demo_now(now)
    today = local_today(school, now)
    made = _periods(official, today)
    period = ReportingPeriod.objects.filter(bureau_id=school.bureau_id, name=CURRENT).first()
    if period is None:
        return made
    actor = actor_for(reporter.user)
    sent = 0
    for n in range(DAYS_BEFORE, 0, -1):
        day = today - timedelta(days=n)
        if n == MISSING_DAY or not period.start_date <= day <= period.end_date:
            continue
        if DailyReport.objects.filter(school=school, date=day).exists():
            continue
        at = time(18, 20) if n == LATE_DAY else time(16, 10)
        sent_at = datetime.combine(day, at, tzinfo=zone_of(school))
        services.submit_daily_report(
            school=school, day=day, content=_content(school, day, reporter, n, now), actor=actor,
            now=sent_at,
        )  # fmt: skip
        sent += 1
    if sent:
        made.append(f"{sent} daily reports to the bureau (one late, one day missing)")
    services.warn_due_reports(now=now)  # today's not sent yet: warned, as the worker would have
    return made
