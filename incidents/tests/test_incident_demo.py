"""The demo school's incidents: every status and severity, one full timeline, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from incidents.categories import Severity, Status
from incidents.models import Incident
from incidents.queries.incident import timeline
from staff.demo import SCHOOL_NAME
from staff.models import School, Staff
from staff.queries import actor_for


@pytest.mark.django_db
def test_the_demo_has_incidents_in_every_status_and_severity_and_reseeding_adds_none():
    call_command("seed_demo", stdout=io.StringIO())
    school = School.objects.get(name=SCHOOL_NAME)
    incidents = Incident.objects.filter(school=school)
    assert set(incidents.values_list("status", flat=True)) == set(Status.values)
    assert set(incidents.values_list("severity", flat=True)) == set(Severity.values)
    count = incidents.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Incident.objects.filter(school=school).count() == count
    oldest = incidents.order_by("occurred_at").first()
    principal = Staff.objects.filter(school=school, roles__role="principal").first()
    kinds = [e["kind"] for e in timeline(oldest, actor_for(principal.user))]
    assert {"reported", "notice", "acknowledged", "updated", "status"} <= set(kinds)


@pytest.mark.django_db
def test_the_demo_reports_up_in_time_and_no_old_clock_lapses():
    """The demo's serious incidents carry their 初报 / 续报 / 终报, and starting the worker on it
    raises no overdue alarm about reports weeks old."""
    from django.utils import timezone

    from incidents.models import ClockKind, ReportClock
    from incidents.services.reporting import process_clocks

    now = timezone.now()  # one clock for the seeding and the worker's first sweep
    call_command("seed_demo", now=now.isoformat(), stdout=io.StringIO())
    school = School.objects.get(name=SCHOOL_NAME)
    clocks = ReportClock.objects.filter(incident__school=school)
    done = set(clocks.filter(done_at__isnull=False).values_list("kind", flat=True))
    assert done == {ClockKind.VERBAL, ClockKind.WRITTEN, ClockKind.FOLLOWUP, ClockKind.DAILY,
                    ClockKind.FINAL}  # fmt: skip
    assert not clocks.filter(done_at__gt=now).exists()
    assert process_clocks(now=now) == 0
    assert not clocks.filter(lapsed_at__isnull=False, incident__status="responding").exists()
    oldest = Incident.objects.filter(school=school).order_by("occurred_at").first()
    principal = Staff.objects.filter(school=school, roles__role="principal").first()
    kinds = [e["kind"] for e in timeline(oldest, actor_for(principal.user))]
    assert kinds.count("report_up") == 3  # verbal, written, final
