"""Short-hands for the scores tests: inspections, reviews and feedback written as rows (the
inspection and review services are another part's and are tested there)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from assessment.models import (
    Criterion,
    Feedback,
    FeedbackStatus,
    Inspection,
    InspectionScore,
    InspectionStatus,
    PeerReview,
)

_n = itertools.count(1)


def criterion(school, max_points="20", name=None) -> Criterion:
    return Criterion.objects.create(
        school=school, kind="rules", name=name or f"准则{next(_n)}", max_points=Decimal(max_points)
    )


def inspect(school, month: date, inspector, scores: dict, *, status=InspectionStatus.DONE,
            notes="") -> Inspection:  # fmt: skip
    """``scores``: {(person, criterion): points}."""
    done = datetime.combine(month.replace(day=10), time(10), tzinfo=ZoneInfo("Asia/Shanghai"))
    inspection = Inspection.objects.create(
        school=school, kind="monthly", status=status, month=month, inspector=inspector,
        done_at=done if status == InspectionStatus.DONE else None, notes=notes,
    )  # fmt: skip
    for (person, crit), points in scores.items():
        InspectionScore.objects.create(
            inspection=inspection, subject=person, criterion=crit, points=Decimal(points)
        )
    return inspection


def review(school, month: date, reviewer, reviewee, rating: int) -> PeerReview:
    return PeerReview.objects.create(
        school=school, month=month, reviewer=reviewer, reviewee=reviewee, rating=rating
    )


def feedback(school, month: date, about, rating: int, status=FeedbackStatus.APPROVED):
    row = Feedback.objects.create(
        school=school, about=about, source="parent", rating=rating, client_key=f"k{next(_n)}",
        status=status,
    )  # fmt: skip
    moment = datetime.combine(month.replace(day=12), time(9), tzinfo=ZoneInfo("Asia/Shanghai"))
    Feedback.objects.filter(pk=row.pk).update(submitted_at=moment)
    return row


def last_month() -> date:
    this = timezone.localdate().replace(day=1)
    return (this.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
