"""Writes for incidents: reports up the chain (初报 / 续报 / 终报) and their clocks.

Facts fast, causes carefully: for severities the bureau wants to hear about, reporting an
incident opens two clocks — a verbal (phone) first report and a written first report — each
with its bureau's deadline, and a daily progress report due by a set hour while the incident
is open. Containing it opens the final report's clock. Follow-ups (续报) are numbered and
logged whenever there is news; they owe nothing. The periodic task ``process_clocks`` warns the
principal before a clock lapses and, when it lapses, tells the principal and the duty leaders
— each once (conditional UPDATEs on ``warned_at`` / ``lapsed_at``)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.categories import Severity, Status
from incidents.models import (
    ClockKind,
    EventKind,
    Incident,
    IncidentEvent,
    ReportClock,
    ReportingPolicy,
)
from notifications.fanout import notify
from roster.timing import localize
from staff.models import Role, Staff

# (verbal minutes, written minutes): one city's 15/30 for I–II and 30/60 for III. Severity IV
# and unrated incidents are handled in school and owe no report up unless a policy says so.
DEFAULTS: dict[str, tuple[int, int]] = {
    Severity.I: (15, 30),
    Severity.II: (15, 30),
    Severity.III: (30, 60),
}
DAILY_HOUR = 17
FINAL_DAYS = 3
WARN_FRACTION = 3  # warn when a third of the time is left (at least a minute before)
# Ready-made sets a bureau can start from (verbal, written) per severity: one city's 15/30 for
# I–II and 30/60 for III (the shipped defaults), one province's 20/40 for I–II.
PRESETS: dict[str, dict[str, tuple[int, int]]] = {
    "city": dict(DEFAULTS),
    "province": {Severity.I: (20, 40), Severity.II: (20, 40), Severity.III: (30, 60)},
}
RATED = [Severity.I, Severity.II, Severity.III, Severity.IV]
MAX_FIRST_REPORT_MINUTES = 24 * 60
MAX_FINAL_DAYS = 60


def deadlines(incident: Incident) -> dict | None:
    """The bureau's deadlines for the incident's severity; None when nothing is owed."""
    bureau_id = incident.school.bureau_id
    row = (
        ReportingPolicy.objects.filter(bureau_id=bureau_id, severity=incident.severity).first()
        if bureau_id
        else None
    )
    if row is not None:
        return {
            "verbal": row.verbal_minutes,
            "written": row.written_minutes,
            "daily_hour": row.daily_hour,
            "final_days": row.final_days,
        }
    if incident.severity not in DEFAULTS:
        return None
    verbal, written = DEFAULTS[incident.severity]
    return {
        "verbal": verbal,
        "written": written,
        "daily_hour": DAILY_HOUR,
        "final_days": FINAL_DAYS,
    }


# --- a bureau's deadlines (the report clocks page) ---------------------------------------


def bureau_rules(bureau_id: int | None, *, preset: str = "") -> list[dict]:
    """The deadlines per rated severity as the page shows them: the bureau's saved rows, else
    the shipped defaults (or ``preset``'s numbers). ``owed`` False: nothing is reported up for
    that severity (IV, unless the bureau asks for it); ``saved``: the bureau set this row."""
    rows = {
        row.severity: row
        for row in (ReportingPolicy.objects.filter(bureau_id=bureau_id) if bureau_id else [])
    }
    start = PRESETS.get(preset)
    rules = []
    for severity in RATED:
        row = rows.get(severity)
        if row is not None and start is None:
            rules.append({
                "severity": severity, "owed": True, "saved": True,
                "verbal": row.verbal_minutes, "written": row.written_minutes,
                "daily_hour": row.daily_hour, "final_days": row.final_days,
            })  # fmt: skip
            continue
        verbal, written = (start or DEFAULTS).get(severity, (None, None))
        owed = verbal is not None
        if start is not None and severity == Severity.IV and row is not None:
            owed, verbal, written = True, row.verbal_minutes, row.written_minutes
        rules.append({
            "severity": severity, "owed": owed, "saved": False,
            "verbal": verbal or 60, "written": written or 120,
            "daily_hour": DAILY_HOUR, "final_days": FINAL_DAYS,
        })  # fmt: skip
    return rules


def check_rule(rule: dict) -> dict:
    """One severity's deadlines, checked: each within a day, the written report no earlier
    than the verbal one, the daily report by a whole hour, the final report within 60 days."""
    errors = {}
    verbal, written = rule.get("verbal"), rule.get("written")
    for name, value in (("verbal", verbal), ("written", written)):
        if value is None or not 1 <= value <= MAX_FIRST_REPORT_MINUTES:
            errors[name] = _("Between 1 and %(n)s minutes.") % {"n": MAX_FIRST_REPORT_MINUTES}
    if not errors and written < verbal:
        errors["written"] = _("The written first report cannot be due before the verbal one.")
    hour = rule.get("daily_hour")
    if hour is None or not 0 <= hour <= 23:
        errors["daily_hour"] = _("An hour of the day, 0 to 23.")
    days = rule.get("final_days")
    if days is None or not 1 <= days <= MAX_FINAL_DAYS:
        errors["final_days"] = _("Between 1 and %(n)s days.") % {"n": MAX_FINAL_DAYS}
    if errors:
        raise ValidationError(errors)
    return rule


def save_bureau_rules(*, bureau_id: int, rules: list[dict]) -> None:
    """Store a bureau's deadlines, every severity at once or none. I–III always owe reports;
    IV only when ``owed``. New incidents use them; running clocks keep their due times."""
    by_severity = {rule["severity"]: rule for rule in rules}
    if set(by_severity) != set(RATED):
        raise ValidationError(_("Give the deadlines for every severity."))
    errors: dict[str, list[str]] = {}
    for severity, rule in by_severity.items():
        if severity != Severity.IV or rule.get("owed"):
            try:
                check_rule(rule)
            except ValidationError as exc:  # keyed like the page's fields: "2-written"
                errors.update({f"{severity}-{k}": v for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        for severity, rule in by_severity.items():
            if severity == Severity.IV and not rule.get("owed"):
                ReportingPolicy.objects.filter(bureau_id=bureau_id, severity=severity).delete()
                continue
            ReportingPolicy.objects.update_or_create(
                bureau_id=bureau_id,
                severity=severity,
                defaults={
                    "verbal_minutes": rule["verbal"],
                    "written_minutes": rule["written"],
                    "daily_hour": rule["daily_hour"],
                    "final_days": rule["final_days"],
                },
            )


def _warn_at(start: datetime, due: datetime) -> datetime:
    return due - max((due - start) / WARN_FRACTION, timedelta(minutes=1))


def _clock(incident, kind, number, start, due) -> ReportClock:
    clock, _created = ReportClock.objects.get_or_create(
        incident=incident,
        kind=kind,
        number=number,
        defaults={"due_at": due, "warn_at": _warn_at(start, due)},
    )
    return clock


def next_daily(after: datetime, hour: int, tz: str | None = None) -> datetime:
    """The first ``hour``:00 in the school's time zone ``tz`` (default: the project's) at least
    two hours after ``after``."""
    zone = zoneinfo.ZoneInfo(tz) if tz else timezone.get_current_timezone()
    day = timezone.localtime(after, zone).date()
    due = localize(datetime.combine(day, time(hour)), str(zone))
    while due < after + timedelta(hours=2):
        day += timedelta(days=1)
        due = localize(datetime.combine(day, time(hour)), str(zone))
    return due


def open_clocks(*, incident: Incident, now: datetime | None = None) -> list[ReportClock]:
    """Open the first-report clocks and the first daily one, if the severity owes them.
    Safe to call again (after a severity is raised): existing clocks are kept."""
    rules = deadlines(incident)
    if rules is None or incident.status == Status.CLOSED:
        return []
    start = incident.reported_at
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        clocks = [
            _clock(
                incident, ClockKind.VERBAL, 1, start, start + timedelta(minutes=rules["verbal"])
            ),
            _clock(
                incident, ClockKind.WRITTEN, 1, start, start + timedelta(minutes=rules["written"])
            ),
        ]
        if not incident.report_clocks.filter(kind=ClockKind.DAILY).exists():
            due = next_daily(max(start, now), rules["daily_hour"], incident.school.time_zone)
            clocks.append(_clock(incident, ClockKind.DAILY, 1, max(start, now), due))
    return clocks


def on_status(*, incident: Incident, now: datetime) -> None:
    """Containing opens the final report's clock; closing ends the daily one."""
    rules = deadlines(incident)
    if rules is None:
        return
    if incident.status == Status.CONTAINED:
        _clock(incident, ClockKind.FINAL, 1, now, now + timedelta(days=rules["final_days"]))


def log_report(
    *,
    incident: Incident,
    kind: str,
    actor,
    contact: str,
    text: str = "",
    now: datetime | None = None,
) -> ReportClock:
    """Record a report made upward: the verbal one (who called whom, when) apart from the
    written one; follow-ups get the next number; a daily report opens the next day's clock."""
    now = now or timezone.now()
    if kind not in ClockKind.values:
        raise ValidationError(_("Choose which report this is."))
    if not contact.strip():
        raise ValidationError(_("Say whom it was reported to."))
    with transaction.atomic(durable=True):
        if kind == ClockKind.FOLLOWUP:
            number = incident.report_clocks.filter(kind=kind).count() + 1
            clock = ReportClock.objects.create(
                incident=incident, kind=kind, number=number, due_at=now, warn_at=now
            )
        else:
            clock = (
                incident.report_clocks.select_for_update()
                .filter(kind=kind, done_at__isnull=True)
                .order_by("number")
                .first()
            )
            if clock is None:
                number = incident.report_clocks.filter(kind=kind).count() + 1
                clock = ReportClock.objects.create(
                    incident=incident, kind=kind, number=number, due_at=now, warn_at=now
                )
        clock.done_at, clock.done_by = now, actor
        clock.contact, clock.text = contact.strip()[:200], text.strip()
        clock.save(update_fields=["done_at", "done_by", "contact", "text"])
        if kind == ClockKind.DAILY:  # today's is done: the next is due the next day
            _next_daily(incident, max(now, clock.due_at))
        label = f"{ClockKind(kind).label}" + (f" {clock.number}" if clock.number > 1 else "")
        event = IncidentEvent.objects.create(
            incident=incident,
            kind=EventKind.REPORT_UP,
            actor=actor,
            text=_("%(report)s to %(contact)s") % {"report": label, "contact": clock.contact},
            data={"kind": kind, "number": clock.number},
        )
        IncidentEvent.objects.filter(pk=event.pk).update(at=now)
    return clock


def _next_daily(incident: Incident, after: datetime) -> None:
    rules = deadlines(incident)
    if rules is None or incident.status == Status.CLOSED:
        return
    number = incident.report_clocks.filter(kind=ClockKind.DAILY).count() + 1
    due = next_daily(after, rules["daily_hour"], incident.school.time_zone)
    _clock(incident, ClockKind.DAILY, number, after, due)


def _people(school, *roles) -> list:
    return [
        s.user
        for s in Staff.objects.for_school(school)
        .active()
        .filter(roles__role__in=roles, user__isnull=False)
        .select_related("user")
        .distinct()
    ]


def process_clocks(*, now: datetime | None = None, limit: int = 100) -> int:
    """Warn about clocks about to lapse and escalate lapsed ones, each once. Returns how many
    notices were published. Closed incidents' clocks are dropped silently."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        due = list(
            ReportClock.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(done_at__isnull=True, lapsed_at__isnull=True, warn_at__lte=now)
            .filter(Q(warned_at__isnull=True) | Q(due_at__lte=now))
            .select_related("incident__school")
            .order_by("due_at")[:limit]
        )
        for clock in due:
            incident = clock.incident
            if incident.status == Status.CLOSED and clock.kind == ClockKind.DAILY:
                ReportClock.objects.filter(pk=clock.pk).update(lapsed_at=now)
                continue
            label = ClockKind(clock.kind).label
            url = reverse("incidents:detail", args=[incident.pk])
            if clock.due_at <= now:
                ReportClock.objects.filter(pk=clock.pk, lapsed_at__isnull=True).update(
                    lapsed_at=now
                )
                recipients = _people(incident.school, Role.PRINCIPAL, Role.LEADER)
                subject = _("Overdue: %(report)s for %(incident)s") % {
                    "report": label,
                    "incident": incident,
                }
                notify(
                    school=incident.school,
                    recipients=recipients,
                    urgent=True,
                    event=f"report-clock:{clock.pk}:lapsed",
                    subject=subject,
                    url=url,
                    now=now,
                )
                if clock.kind == ClockKind.DAILY:
                    _next_daily(incident, now)
                sent += 1
            elif clock.warned_at is None:
                ReportClock.objects.filter(pk=clock.pk, warned_at__isnull=True).update(
                    warned_at=now
                )
                minutes = max(1, round((clock.due_at - now).total_seconds() / 60))
                subject = _("Due in %(n)s min: %(report)s for %(incident)s") % {
                    "n": minutes,
                    "report": label,
                    "incident": incident,
                }
                notify(
                    school=incident.school,
                    recipients=_people(incident.school, Role.PRINCIPAL),
                    event=f"report-clock:{clock.pk}:warn",
                    subject=subject,
                    url=url,
                    urgent=True,
                    now=now,
                )
                sent += 1
    return sent


def clocks_for(incident: Incident) -> list[ReportClock]:
    return list(incident.report_clocks.select_related("done_by__staff").order_by("due_at", "pk"))
