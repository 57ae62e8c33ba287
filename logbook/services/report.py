"""Writes for reporting up: the bureau's periods, the school's daily report and its corrections,
the bureau's chase of missing reports and the warning before the cut-off.

A report is written once per version and never updated: a correction inserts the next version
with its reason. Versions of one school are serialised by locking the school row, and the
unique (school, date, version) constraint catches anything that slips past.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logbook.models import DailyReport, ReportChase, ReportingPeriod
from logbook.queries.report import (
    can_report,
    deadline_for,
    local_today,
    period_for,
    school_contacts,
)
from staff.models import School

MAX_PERIOD_DAYS = 92
WARN_BEFORE = timedelta(hours=2)  # the warning goes out this long before the cut-off
CONTENT_FIELDS = (
    "leader", "on_duty", "on_post", "no_incident", "event_count", "events",
    "hazards_found", "hazards_fixed", "warnings", "reporter_name",
)  # fmt: skip
TEXT_LIMITS = {"leader": 200, "on_duty": 500, "events": 4000, "warnings": 1000,
               "reporter_name": 50}  # fmt: skip


# ---- periods (bureau) ------------------------------------------------------------------------


def create_reporting_period(
    *, name: str, start: date, end: date, cutoff: time | None = None, actor
) -> ReportingPeriod:
    """A bureau official declares a period of daily reports for all the bureau's schools."""
    if not actor.is_bureau:
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the period a name."))
    if end < start:
        raise ValidationError(_("The last day cannot be before the first day."))
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationError(
            _("A reporting period is at most %(n)s days.") % {"n": MAX_PERIOD_DAYS}
        )
    bureau_id = actor.official.bureau_id
    with transaction.atomic(durable=True):
        clash = (
            ReportingPeriod.objects.select_for_update()
            .filter(bureau_id=bureau_id, start_date__lte=end, end_date__gte=start)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                _("These dates overlap the period “%(name)s”.") % {"name": clash.name}
            )
        return ReportingPeriod.objects.create(
            bureau_id=bureau_id, name=name, start_date=start, end_date=end,
            cutoff=cutoff or time(17), created_by=actor.user,
        )  # fmt: skip


# ---- the school's report ---------------------------------------------------------------------


def clean_content(content: dict) -> dict:
    """Only the report's own fields (anything else is ignored), checked as the form would."""
    data = {key: content.get(key) for key in CONTENT_FIELDS}
    for key, limit in TEXT_LIMITS.items():
        data[key] = str(data[key] or "").strip()
        if len(data[key]) > limit:
            raise ValidationError(
                _("A text is too long (at most %(n)s characters).") % {"n": limit}
            )
    for key in ("event_count", "hazards_found", "hazards_fixed"):
        try:
            data[key] = int(data[key] or 0)
        except (TypeError, ValueError):
            raise ValidationError(_("Counts must be whole numbers.")) from None
        if not 0 <= data[key] <= 999:
            raise ValidationError(_("Counts must be between 0 and 999."))
    data["on_post"] = bool(data["on_post"])
    data["no_incident"] = bool(data["no_incident"])
    if data["no_incident"] and (data["event_count"] or data["events"]):
        raise ValidationError(
            _("A zero report (今日无安全事故/异常) has no events: untick it or clear the events.")
        )
    if not data["no_incident"] and (data["event_count"] < 1 or not data["events"]):
        raise ValidationError(
            _("Tick “no accident or anomaly today” (零报告), or give the number of events "
              "and describe them.")
        )  # fmt: skip
    if not data["reporter_name"]:
        raise ValidationError(_("Sign the report with the reporter's name (报送人)."))
    if not data["leader"]:
        raise ValidationError(_("Name the duty leader (带班领导)."))
    return data


def _check_day(school: School, day: date, now: datetime) -> ReportingPeriod:
    if day > local_today(school, now):
        raise ValidationError(_("A day that has not come yet cannot be reported."))
    period = period_for(school, day)
    if period is None:
        raise ValidationError(_("%(date)s is not in a reporting period.") % {"date": day})
    return period


def _insert(*, school, period, day, version, data, reason, actor, now) -> DailyReport:
    try:
        with transaction.atomic(savepoint=True):
            return DailyReport.objects.create(
                school=school, period=period, date=day, version=version, reporter=actor.user,
                submitted_at=now, deadline=deadline_for(school, period, day),
                correction_reason=reason, **data,
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError(_("Someone else reported this day at the same moment.")) from None


def submit_daily_report(
    *, school: School, day: date, content: dict, actor, now: datetime | None = None
) -> DailyReport:
    """The school's first report for ``day``; a later change must be a correction."""
    if not can_report(actor, school.pk):
        raise PermissionDenied
    now = now or timezone.now()
    period = _check_day(school, day, now)
    data = clean_content(content)
    with transaction.atomic(durable=True):
        School.objects.select_for_update().filter(pk=school.pk).first()  # serialise versions
        if DailyReport.objects.filter(school=school, date=day).exists():
            raise ValidationError(
                _("This day has already been reported: submit a correction instead.")
            )
        return _insert(school=school, period=period, day=day, version=1, data=data, reason="",
                       actor=actor, now=now)  # fmt: skip


def correct_daily_report(
    *, report: DailyReport, content: dict, reason: str, actor, now: datetime | None = None
) -> DailyReport:
    """A new version of the day's report; every earlier version stays as it was."""
    school = report.school
    if not can_report(actor, school.pk):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the correction."))
    if len(reason) > 1000:
        raise ValidationError(_("A text is too long (at most %(n)s characters).") % {"n": 1000})
    now = now or timezone.now()
    data = clean_content(content)
    with transaction.atomic(durable=True):
        School.objects.select_for_update().filter(pk=school.pk).first()
        latest = (
            DailyReport.objects.filter(school=school, date=report.date).order_by("-version").first()
        )
        return _insert(school=school, period=report.period, day=report.date,
                       version=latest.version + 1, data=data, reason=reason, actor=actor,
                       now=now)  # fmt: skip


# ---- chasing and warning ---------------------------------------------------------------------


def chase_missing_reports(*, day: date, actor, now: datetime | None = None) -> list[School]:
    """Tell every school of the bureau without a report for ``day`` (in a period, not in the
    future) to send it. Once per school per day: a second chase tells nobody again."""
    if not actor.is_bureau:
        raise PermissionDenied
    now = now or timezone.now()
    from notifications.fanout import notify

    period = ReportingPeriod.objects.filter(
        bureau_id=actor.official.bureau_id, start_date__lte=day, end_date__gte=day
    ).first()
    if period is None:
        raise ValidationError(_("%(date)s is not in a reporting period.") % {"date": day})
    chased = []
    with transaction.atomic(durable=True):
        schools = (
            School.objects.filter(pk__in=actor.school_ids)
            .exclude(daily_reports__date=day)
            .order_by("name")
        )
        for school in schools:
            if day > local_today(school, now):
                continue
            _chase, created = ReportChase.objects.get_or_create(
                school=school, date=day, defaults={"chased_at": now, "chased_by": actor.user}
            )
            if not created:
                continue
            notify(
                school=school, recipients=school_contacts(school),
                event=f"report.chase:{school.pk}:{day}",
                subject=_("The bureau asks for your daily report of %(date)s") % {"date": day},
                body=_("%(period)s: send the daily report (or the zero report) now.")
                % {"period": period.name},
                url=reverse("logbook:report-new") + f"?date={day}", urgent=True,
                now=now,
            )  # fmt: skip
            chased.append(school)
    return chased


def warn_due_reports(*, now: datetime | None = None, before: timedelta = WARN_BEFORE) -> int:
    """Warn each school whose report for today is not in when the cut-off is near. Keyed per
    school and day, so running it every few minutes tells each school once."""
    from notifications.fanout import notify

    now = now or timezone.now()
    told = 0
    window = (now - timedelta(days=1)).date(), (now + timedelta(days=1)).date()
    periods = ReportingPeriod.objects.filter(
        start_date__lte=window[1], end_date__gte=window[0]
    ).select_related("bureau")
    for period in periods:
        for school in period.bureau.schools.all():
            today = local_today(school, now)
            if not period.start_date <= today <= period.end_date:
                continue
            deadline = deadline_for(school, period, today)
            if not deadline - before <= now < deadline:
                continue
            if DailyReport.objects.filter(school=school, date=today).exists():
                continue
            with transaction.atomic(durable=True):
                notify(
                    school=school, recipients=school_contacts(school),
                    event=f"report.due:{school.pk}:{today}",
                    subject=_("Today's daily report is due by %(time)s")
                    % {"time": f"{period.cutoff:%H:%M}"},
                    body=_("%(period)s: send the daily report, or the zero report if nothing "
                           "happened.") % {"period": period.name},
                    url=reverse("logbook:report-new") + f"?date={today}",
                    now=now,
                )  # fmt: skip
            told += 1
    return told
