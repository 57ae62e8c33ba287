"""Is the notification pipeline alive? Read from the database, so any web process can answer.

Beat publishes periodic tasks; a worker runs them and records heartbeats; notices and
escalation steps are rows with due times. If beat or every worker stops, heartbeats age and due
rows become late — both show here within one auditor period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.models import (
    Escalation,
    EscalationStatus,
    Heartbeat,
    Notice,
    NoticeStatus,
)

# A due notice later than this means the pipeline is not keeping up (or not running).
MAX_LATENESS = timedelta(minutes=2)


@dataclass
class Check:
    name: str
    label: str
    ok: bool
    detail: str


@dataclass
class PipelineStatus:
    checked_at: datetime
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checked_at": self.checked_at.isoformat(),
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in self.checks},
        }


def _interval(name: str) -> float:
    entry = {
        "beat": "scheduler-heartbeat",
        "sweeper": "sweep-notices",
        "escalations": "advance-escalations",
        "auditor": "audit-pipeline",
    }[name]
    return float(settings.CELERY_BEAT_SCHEDULE[entry]["schedule"])


HEARTBEATS = {
    "beat": _("Scheduler (beat) heartbeat"),
    "sweeper": _("Notice sweeper"),
    "escalations": _("Escalation engine"),
    "auditor": _("Pipeline auditor"),
}


def pipeline_status(*, now: datetime | None = None) -> PipelineStatus:
    now = now or timezone.now()
    status = PipelineStatus(checked_at=now)
    beats = {beat.name: beat.seen_at for beat in Heartbeat.objects.filter(name__in=HEARTBEATS)}
    for name, label in HEARTBEATS.items():
        # Three missed periods (and at least two minutes) before we call a process dead.
        allowed = max(3 * _interval(name), 120.0)
        seen = beats.get(name)
        if seen is None:
            status.checks.append(Check(name, str(label), False, "never seen"))
            continue
        age = (now - seen).total_seconds()
        status.checks.append(Check(name, str(label), age <= allowed, f"{age:.0f}s ago"))

    oldest_due = Notice.objects.filter(
        status__in=[NoticeStatus.PENDING, NoticeStatus.SENDING], due_at__lte=now
    ).aggregate(oldest=Min("due_at"))["oldest"]
    late = (now - oldest_due).total_seconds() if oldest_due else 0.0
    status.checks.append(
        Check(
            "notices",
            str(_("Oldest undelivered notice")),
            late <= MAX_LATENESS.total_seconds(),
            f"{late:.0f}s late" if oldest_due else "none due",
        )
    )
    stalled = Escalation.objects.filter(
        status=EscalationStatus.ACTIVE, next_due_at__lt=now - MAX_LATENESS
    ).count()
    status.checks.append(
        Check("escalations_due", str(_("Overdue escalation steps")), stalled == 0, str(stalled))
    )
    failed = Notice.objects.filter(status=NoticeStatus.FAILED).count()
    # Failed notices need an admin's attention but do not mean the pipeline is down.
    status.checks.append(Check("failed", str(_("Failed notices")), True, str(failed)))
    return status
