"""The school's assessment form: criteria with their points and standard scoring rules.

Defaults follow the policy's 考核 section: keeps the rules and hours, handles emergencies in
time, keeps faithful and complete logs, stays reachable, takes part in drills and training.
Their points add up to the school's full marks (10 or 100). Writes are all-or-nothing.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assessment.metrics import HANDOVERS, LOGS, PUNCTUALITY, TRAINING
from assessment.models import Criterion, CriterionKind, ScoringRule
from assessment.services.config import settings_for

# (kind, weight in %, metric shown beside it, rules as (label, points on the 100-point form))
DEFAULTS = (
    (
        CriterionKind.RULES,
        25,
        PUNCTUALITY,
        (
            (gettext_noop("Late up to 5 minutes"), -1),
            (gettext_noop("Late up to 10 minutes"), -2),
            (gettext_noop("Later than that"), -5),
        ),
    ),
    (
        CriterionKind.EMERGENCY,
        20,
        "incident_ack",
        (
            (gettext_noop("Good incident handling"), 1),
            (gettext_noop("Very good incident handling"), 3),
            (gettext_noop("Outstanding incident handling"), 5),
            (gettext_noop("Late report of an incident"), -5),
        ),
    ),
    (
        CriterionKind.LOGS,
        25,
        LOGS,
        (
            (gettext_noop("Log missing"), -5),
            (gettext_noop("Log incomplete"), -2),
            (gettext_noop("Log submitted late"), -1),
        ),
    ),
    (
        CriterionKind.REACHABLE,
        15,
        HANDOVERS,
        (
            (gettext_noop("Not reachable by phone on duty"), -3),
            (gettext_noop("Left the post without handover"), -5),
        ),
    ),
    (
        CriterionKind.PARTICIPATION,
        15,
        TRAINING,
        ((gettext_noop("Missed a drill"), -3), (gettext_noop("Missed a training session"), -2)),
    ),
)

DESCRIPTIONS = {
    CriterionKind.RULES: gettext_noop(
        "Arrives on time, stays the full shift, keeps the duty rules"
    ),
    CriterionKind.EMERGENCY: gettext_noop(
        "Reports and handles incidents and hazards promptly and properly"
    ),
    CriterionKind.LOGS: gettext_noop(
        "Duty log, patrol and handover records are faithful and complete"
    ),
    CriterionKind.REACHABLE: gettext_noop("Phone on and answered; handovers acknowledged"),
    CriterionKind.PARTICIPATION: gettext_noop(
        "Attends pre-duty and in-service training and emergency drills"
    ),
}


def _scaled(points, full_marks: int) -> Decimal:
    return (Decimal(points) * full_marks / 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ensure_default_criteria(school) -> list[Criterion]:
    """Create the policy's criteria and rules the school does not have yet (by kind).
    Running it again changes nothing; a criterion the admin renamed or deactivated stays."""
    full = settings_for(school).full_marks
    have = set(Criterion.objects.filter(school=school).values_list("kind", flat=True))
    created = []
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        for position, (kind, weight, metric, rules) in enumerate(DEFAULTS):
            if kind in have:
                continue
            criterion = Criterion.objects.create(
                school=school,
                kind=kind,
                name=str(CriterionKind(kind).label),
                description=_(DESCRIPTIONS[kind]),
                weight=weight,
                max_points=_scaled(weight, full),
                metric=metric,
                position=position,
            )
            for n, (label, points) in enumerate(rules):
                step = _scaled(points, full)
                if step == 0:  # a −1 on the 10-point form rounds to −0.1, never to zero
                    step = Decimal("-0.1") if points < 0 else Decimal("0.1")
                ScoringRule.objects.create(
                    criterion=criterion, label=_(label), points=step, position=n
                )
            created.append(criterion)
    return created


def missing_default_kinds(criteria) -> list[str]:
    """The policy's kinds the school has no criterion of (the page offers to add them)."""
    have = {c.kind for c in criteria}
    return [kind for kind, *_rest in DEFAULTS if kind not in have]


def active_criteria(school):
    return list(Criterion.objects.filter(school=school, active=True).prefetch_related("rules"))


def points_total(school) -> Decimal:
    """The sum of the active criteria's points (the page warns when it is not full marks)."""
    total = Criterion.objects.filter(school=school, active=True).aggregate(t=Sum("max_points"))
    return total["t"] or Decimal(0)


def save_criterion(*, school, data: dict, criterion: Criterion | None = None) -> Criterion:
    """Create or update a criterion from cleaned form data (all-or-nothing)."""
    points = Decimal(data["max_points"])
    if points <= 0:
        raise ValidationError({"max_points": _("Points must be more than zero.")})
    name = data["name"].strip()
    if not name:
        raise ValidationError({"name": _("Give the criterion a name.")})
    clash = Criterion.objects.filter(school=school, name=name)
    if criterion is not None:
        clash = clash.exclude(pk=criterion.pk)
    if clash.exists():
        raise ValidationError({"name": _("There is already a criterion with this name.")})
    with transaction.atomic():
        if criterion is None:
            last = Criterion.objects.filter(school=school).aggregate(m=Max("position"))["m"]
            criterion = Criterion(school=school, position=(last or 0) + 1)
        for field in ("kind", "name", "description", "weight", "metric", "active"):
            if field in data:
                setattr(criterion, field, data[field])
        criterion.name = name
        criterion.max_points = points
        criterion.save()
    return criterion


def add_rule(*, criterion: Criterion, label: str, points) -> ScoringRule:
    points = Decimal(points)
    label = (label or "").strip()
    if points == 0:
        raise ValidationError({"points": _("A rule must add or deduct some points, not zero.")})
    if abs(points) > criterion.max_points:
        raise ValidationError(
            {
                "points": _("A rule cannot move more than the criterion's %(max)s points.")
                % {"max": criterion.max_points}
            }
        )
    if not label:
        raise ValidationError({"label": _("Describe the rule.")})
    last = criterion.rules.aggregate(m=Max("position"))["m"]
    return ScoringRule.objects.create(
        criterion=criterion, label=label, points=points, position=(last or 0) + 1
    )


def delete_rule(*, rule: ScoringRule) -> None:
    rule.delete()
