"""Month scores: each person's parts (inspections, peer review, feedback, metrics when the school
counts them) combined by the school's weights, stored in MonthScore until the principal
finalises the month; runs of failing months raise a review flag (never a penalty by itself).

The whole school is computed at once with one grouped query per part, so the number of queries
does not grow with the number of people."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import metrics as metric_source
from assessment.metrics import month_start
from assessment.models import (
    Feedback,
    FeedbackStatus,
    InspectionScore,
    InspectionStatus,
    MonthScore,
    PeerReview,
)
from assessment.services.config import check_weights, settings_for
from staff.models import Role, Staff

PARTS = ("inspection", "peer", "feedback", "metrics")
TENTH = Decimal("0.1")
FIELDS = ["school", "inspection", "peer", "feedback", "metrics_score", "total", "metrics"]


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _percent(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def combine(parts: dict[str, Decimal | None], weights: dict[str, int], full_marks: int):
    """Weighted mean of the parts present, on the school's scale; None when nothing counts.
    A missing part is left out and the remaining weights re-spread over 100 %."""
    counted = [(weights[k], v) for k, v in parts.items() if v is not None and weights.get(k)]
    weight = sum(w for w, _v in counted)
    if not weight:
        return None
    mean = sum(Decimal(w) * Decimal(v) for w, v in counted) / weight
    return _percent(mean * full_marks / 100)


def is_failing(total: Decimal | None, settings) -> bool:
    return total is not None and total * 100 < Decimal(settings.pass_mark * settings.full_marks)


def _inspection_parts(school, month) -> dict[int, Decimal]:
    rows = (
        InspectionScore.objects.filter(
            inspection__school=school,
            inspection__month=month,
            inspection__status=InspectionStatus.DONE,
        )
        .values("subject_id")
        .annotate(points=Sum("points"), most=Sum("criterion__max_points"))
    )
    return {
        r["subject_id"]: _percent(min(r["points"] / r["most"], 1) * 100) for r in rows if r["most"]
    }


def _peer_parts(school, month) -> dict[int, Decimal]:
    rows = (
        PeerReview.objects.filter(school=school, month=month)
        .values("reviewee_id")
        .annotate(mean=Avg("rating"))
    )
    return {r["reviewee_id"]: _percent(Decimal(r["mean"]) * 20) for r in rows}


def _feedback_parts(school, month) -> dict[int, Decimal]:
    start, end = metric_source.month_bounds(school, month)
    rows = (
        Feedback.objects.filter(
            school=school,
            status=FeedbackStatus.APPROVED,
            about__isnull=False,
            submitted_at__gte=start,
            submitted_at__lt=end,
        )
        .values("about_id")
        .annotate(mean=Avg("rating"))
    )
    return {r["about_id"]: _percent(Decimal(r["mean"]) * 20) for r in rows}


def _metrics_json(metrics: dict) -> dict:
    """What is kept with the score: labels and figures, not the record links (read live)."""
    return {
        key: {
            "label": str(m.label),
            "display": str(m.display),
            "score": None if m.score is None else str(m.score),
        }
        for key, m in metrics.items()
    }


def compute_month(*, school, month: date, now: datetime | None = None) -> int:
    """(Re)compute every active person's score for ``month``; finalised rows are left alone.
    Returns how many rows were written. ``now``: the caller's clock for the measured metrics
    (default the real one)."""
    month = month_start(month)
    settings = settings_for(school)
    people = list(Staff.objects.filter(school=school, active=True).values_list("pk", flat=True))
    inspection = _inspection_parts(school, month)
    peer = _peer_parts(school, month)
    feedback = _feedback_parts(school, month)
    measured = metric_source.month_metrics(school, month, staff_ids=people, now=now)
    with transaction.atomic():
        frozen = set(
            MonthScore.objects.select_for_update()
            .filter(school=school, month=month, finalized_at__isnull=False)
            .values_list("staff_id", flat=True)
        )
        rows = []
        for pk in people:
            if pk in frozen:
                continue
            metrics = measured.get(pk, {})
            m_score = _percent(metric_source.metrics_score(metrics)) if metrics else None
            parts = {
                "inspection": inspection.get(pk),
                "peer": peer.get(pk),
                "feedback": feedback.get(pk),
                "metrics": m_score if settings.metrics_count else None,
            }
            total = combine(parts, settings.weights, settings.full_marks)
            rows.append(
                MonthScore(
                    school=school,
                    staff_id=pk,
                    month=month,
                    inspection=parts["inspection"],
                    peer=parts["peer"],
                    feedback=parts["feedback"],
                    metrics_score=m_score,
                    total=total,
                    metrics=_metrics_json(metrics),
                    failing=is_failing(total, settings),
                )
            )
        MonthScore.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["staff", "month"],
            update_fields=[*FIELDS, "failing", "computed_at"],
        )
        flag_failing_runs(school=school, month=month, settings=settings)
    return len(rows)


def flag_failing_runs(*, school, month: date, settings=None) -> list:
    """Raise a review flag for everyone whose last ``failing_months_flag`` months up to
    ``month`` all failed (raise_flag is idempotent, so re-running is harmless)."""
    settings = settings or settings_for(school)
    run = settings.failing_months_flag
    first = add_months(month, -(run - 1))
    failing = (
        MonthScore.objects.filter(school=school, month__gte=first, month__lte=month, failing=True)
        .values("staff_id")
        .annotate(n=Count("pk"))
        .filter(n=run)
        .values_list("staff_id", flat=True)
    )
    people = list(Staff.objects.filter(pk__in=list(failing)))
    if not people:
        return []
    from assessment.services.awards import raise_flag  # B's module; lands in parallel

    return [
        raise_flag(school=school, staff=person, first_month=first, last_month=month)
        for person in people
    ]


def recompute(*, school, months: Iterable[date]) -> int:
    return sum(compute_month(school=school, month=m) for m in months)


def recent_months(today: date | None = None) -> list[date]:
    """The current and the previous month: what the periodic task keeps fresh."""
    this = month_start(today or timezone.localdate())
    return [add_months(this, -1), this]


def finalise_month(*, school, month: date, actor, now: datetime | None = None) -> int:
    """The principal freezes a finished month: recomputed one last time, then never again.
    ``now``: the caller's clock (default the real one); the month must have ended by the
    school's local day at it."""
    if not (actor.has_any(Role.PRINCIPAL) and school.pk in actor.school_ids):
        raise PermissionDenied
    month = month_start(month)
    now = now or timezone.now()
    if month >= month_start(timezone.localtime(now, ZoneInfo(school.time_zone)).date()):
        raise ValidationError(_("Only a month that has ended can be finalised."))
    compute_month(school=school, month=month, now=now)
    return MonthScore.objects.filter(school=school, month=month, finalized_at__isnull=True).update(
        finalized_at=now
    )


SETTINGS_FIELDS = (
    "full_marks",
    "pass_mark",
    "failing_months_flag",
    "weight_inspection",
    "weight_peer",
    "weight_feedback",
    "weight_metrics",
    "metrics_count",
)


def save_settings(*, settings, data: dict):
    """The settings page's write; weights are checked again here (not only in the form)."""
    values = {name: data[name] for name in SETTINGS_FIELDS}
    check_weights(values)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save(update_fields=[*SETTINGS_FIELDS, "updated_at"])
    return settings
