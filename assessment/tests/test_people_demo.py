"""The demo's reviews, feedback and rewards and penalties: made once, each state present,
seeding again adds nothing."""

from __future__ import annotations

import pytest
from django.db.models import F

from assessment.demo import people
from assessment.models import Feedback, FeedbackStatus, PeerReview, Proposal, ProposalStatus
from roster import demo as roster_demo
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import School
from tests.demo_clock import school_day_morning

pytestmark = pytest.mark.django_db


def test_the_demo_people_part_is_made_once_with_every_state():
    seed_demo()
    school = School.objects.get(name=SCHOOL_NAME)
    # Reviews are written between people who shared a shift this month or last: seeded on a
    # school day with a third of the month behind it (on the 1st of a term's month before 08:00
    # nobody has shared one yet).
    now = school_day_morning(from_day=10)
    roster_demo.seed(school, now=now)
    people.seed(school, now=now)
    counts = (PeerReview.objects.count(), Feedback.objects.count(), Proposal.objects.count())
    assert all(counts), counts
    statuses = set(Proposal.objects.values_list("status", flat=True))
    assert {ProposalStatus.APPROVED, ProposalStatus.PROPOSED, ProposalStatus.REJECTED} <= statuses
    assert Proposal.objects.exclude(response="").exists()
    assert set(Feedback.objects.values_list("status", flat=True)) == set(FeedbackStatus.values)
    assert not PeerReview.objects.filter(reviewer=F("reviewee")).exists()
    people.seed(school, now=now)
    assert (PeerReview.objects.count(), Feedback.objects.count(),
            Proposal.objects.count()) == counts  # fmt: skip
