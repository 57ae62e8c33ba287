"""Short-hands for the people part's tests: a shift the cast shared (leader, teacher, guard on a
published roster's day shift of yesterday, so always in an open review month)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from logbook.tests.factories import make_roster, staffed_shift


def shared_yesterday(cast):
    """Yesterday's 白班 with cast.leader, cast.teacher and cast.guard on duty."""
    day = timezone.localdate() - timedelta(days=1)
    roster = make_roster(cast.school, start=day - timedelta(days=1), days=3)
    return staffed_shift(cast, "白班", day, roster=roster)


def this_month():
    return (timezone.localdate() - timedelta(days=1)).replace(day=1)
