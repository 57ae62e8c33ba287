"""Incidents for tests: a school with a roster on duty around now, and short reports."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from incidents.categories import Category, Severity
from incidents.services.incident import report_incident
from logbook.tests.factories import make_roster, put_on_duty
from roster.models import Shift
from staff.models import Role


def shift_now(cast, now: datetime | None = None, *, staffed: bool = True) -> Shift:
    """The shift of school A on duty at ``now`` (a roster around today), with cast.leader,
    cast.teacher and cast.guard on it."""
    now = now or timezone.now()
    roster = make_roster(cast.school, start=timezone.localdate(now) - timedelta(days=1), days=3)
    shift = roster.shifts.get(starts_at__lte=now, ends_at__gt=now)
    if staffed:
        put_on_duty(
            shift, (cast.leader, Role.LEADER), (cast.teacher, Role.TEACHER),
            (cast.guard, Role.GUARD),
        )  # fmt: skip
    return shift


def report(cast, reporter=None, *, severity=Severity.IV, now=None, **fields):
    now = now or timezone.now()
    data = {
        "category": Category.ACCIDENT,
        "subcategory": "fire",
        "occurred_at": now - timedelta(minutes=3),
        "location": "教学楼三楼",
        "summary": "三楼烟雾报警，已疏散学生",
        **fields,
    }
    return report_incident(reporter=reporter or cast.teacher, severity=severity, now=now, **data)
