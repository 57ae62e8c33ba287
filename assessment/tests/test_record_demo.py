"""The demo's month scores: the term's past months final, the current one open; re-seeding
changes nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from assessment import demo
from assessment.demo.record import term_start
from assessment.models import MonthScore
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import School

pytestmark = pytest.mark.django_db


def test_the_demo_term_is_scored_and_seeding_again_changes_nothing():
    seed_demo()
    school = School.objects.get(name=SCHOOL_NAME)
    demo.seed(school)
    this = timezone.localdate().replace(day=1)
    first = term_start(timezone.localdate())
    rows = MonthScore.objects.filter(school=school)
    assert rows.filter(month=first).exists() and rows.filter(month=this).exists()
    assert not rows.filter(month__lt=this, finalized_at__isnull=True).exists()
    assert not rows.filter(month=this, finalized_at__isnull=False).exists()
    before = sorted(rows.values_list("staff_id", "month", "total", "finalized_at"))
    demo.seed(school)
    assert sorted(rows.values_list("staff_id", "month", "total", "finalized_at")) == before
