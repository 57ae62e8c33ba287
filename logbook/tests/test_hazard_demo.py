"""Demo data for patrols and hazards: a checklist, rounds on past shifts, hazards in every
state; running it again adds nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from logbook.demo import hazard as hazard_demo
from logbook.demo import patrol as patrol_demo
from logbook.models import Checkpoint, Hazard, HazardStatus, PatrolRound, PatrolScan, Severity
from logbook.services.hazard import notify_overdue_hazards as sweep_overdue_hazards
from logbook.tests.factories import make_roster, put_on_duty
from notifications.models import Notice
from roster.models import Shift
from staff.models import Role

pytestmark = pytest.mark.django_db


def test_the_demo_has_rounds_and_hazards_in_every_state_and_is_idempotent(cast):
    roster = make_roster(cast.school, start=timezone.localdate() - timedelta(days=6), days=6)
    for shift in Shift.objects.filter(roster=roster):
        put_on_duty(shift, (cast.teacher, Role.TEACHER), (cast.guard, Role.GUARD))
    now = timezone.now()  # one clock for the demo and the sweep after it
    assert patrol_demo.seed(cast.school, now=now)
    assert hazard_demo.seed(cast.school, now=now)
    rounds = PatrolRound.objects.filter(school=cast.school)
    assert rounds.count() >= 10 and not rounds.filter(finished_at__isnull=True).exists()
    assert PatrolScan.objects.filter(round__school=cast.school).exists()
    assert all(len(c.token) > 30 for c in Checkpoint.objects.filter(school=cast.school))
    hazards = Hazard.objects.filter(school=cast.school)
    assert set(hazards.values_list("status", flat=True)) == set(HazardStatus.values)
    assert hazards.filter(severity=Severity.MAJOR, reported_up=True).exists()
    assert hazards.overdue(timezone.localdate(now)).exists()
    counts = (rounds.count(), hazards.count())
    assert patrol_demo.seed(cast.school, now=now) == []
    assert hazard_demo.seed(cast.school, now=now) == []
    assert (rounds.count(), hazards.count()) == counts
    # The demo told the office about the overdue one, as the worker would have: nothing left.
    assert Notice.objects.filter(event__startswith="hazard-overdue:").exists()
    assert sweep_overdue_hazards(now=now) == 0
