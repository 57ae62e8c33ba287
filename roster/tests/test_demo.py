"""The demo school's rosters, swaps and leave: every state a user meets, made once."""

from __future__ import annotations

from datetime import date

import pytest

from notifications.models import Notice
from roster import demo
from roster.models import LeaveRequest, Roster, RosterChange, RosterStatus, SwapRequest
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import School

pytestmark = pytest.mark.django_db
TODAY = date(2030, 3, 6)  # early in a month: plenty of duties ahead to swap


@pytest.fixture
def school():
    seed_demo()
    return School.objects.get(name=SCHOOL_NAME)


def test_the_demo_has_a_published_month_a_draft_and_swaps_and_leave_in_every_state(school):
    made = demo.seed(school, today=TODAY)
    rosters = {r.start_date: r.status for r in Roster.objects.filter(school=school)}
    assert rosters == {
        date(2030, 3, 1): RosterStatus.PUBLISHED,
        date(2030, 4, 1): RosterStatus.DRAFT,
    }
    swaps = set(SwapRequest.objects.values_list("status", flat=True))
    leaves = set(LeaveRequest.objects.values_list("status", flat=True))
    assert swaps == {"requested", "accepted", "approved", "declined"}
    assert leaves == {"requested", "accepted", "unfilled"}
    assert len([m for m in made if m.startswith(("swap", "leave"))]) == 7
    approved = SwapRequest.objects.get(status="approved")
    assert approved.assignment.staff_id == approved.colleague_id  # the duty moved
    assert RosterChange.objects.filter(reason="换班", after_publishing=True).exists()
    unfilled = LeaveRequest.objects.get(status="unfilled")
    assert unfilled.replacement is None
    assert Notice.objects.filter(event=f"leave:{unfilled.pk}:unfilled").exists()
    waiting = LeaveRequest.objects.get(status="requested")
    assert waiting.replacement is not None


def test_seeding_again_adds_nothing(school):
    demo.seed(school, today=TODAY)
    counts = (Roster.objects.count(), SwapRequest.objects.count(), LeaveRequest.objects.count())
    assert demo.seed(school, today=TODAY) == []
    assert counts == (
        Roster.objects.count(),
        SwapRequest.objects.count(),
        LeaveRequest.objects.count(),
    )
