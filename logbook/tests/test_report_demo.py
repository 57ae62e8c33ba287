"""The demo's reporting period and daily reports: realistic, and idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from logbook.demo import report as demo
from logbook.models import DailyReport, ReportingPeriod
from logbook.queries.report import local_today, school_periods
from logbook.tasks import warn_due_reports
from roster import demo as roster_demo
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import School, Staff
from staff.queries import actor_for

pytestmark = pytest.mark.django_db


def test_the_demo_has_zero_reports_one_with_events_one_late_and_one_missing_day():
    seed_demo()
    school = School.objects.get(name=SCHOOL_NAME)
    roster_demo.seed(school)
    assert demo.seed(school)
    assert demo.seed(school) == []  # idempotent
    assert ReportingPeriod.objects.filter(bureau=school.bureau).count() == 2
    reports = DailyReport.objects.filter(school=school)
    assert reports.count() == demo.DAYS_BEFORE - 1
    assert reports.filter(no_incident=False).count() == 1
    principal = Staff.objects.get(school=school, user__username="principal")
    [current] = [
        p for p in school_periods(actor_for(principal.user)) if p.period.name == demo.CURRENT
    ]
    statuses = {(local_today(school) - row.day).days: row.status for row in current.days}
    assert statuses[demo.MISSING_DAY] == "missing"
    assert statuses[demo.LATE_DAY] == "late"
    assert statuses[demo.EVENTS_DAY] == "reported"
    assert statuses[1] == "zero"
    assert reports.get(date=local_today(school) - timedelta(days=demo.LATE_DAY)).no_incident


def test_the_warning_task_runs_and_says_how_many_schools_it_warned(cast):
    assert warn_due_reports().endswith("schools warned")
