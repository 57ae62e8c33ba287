"""What duty is judged against: the school's settings, criteria and scoring form.

Guardrails (MOE 教师厅〔2025〕2号): automatic metrics inform the inspector and count toward a
score only when the school switches that on (``metrics_count``, off by default); there is no
one-strike veto; rankings are for the principal only (enforced in the views, not configurable).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["AssessmentSettings", "Criterion", "CriterionKind", "ScoringRule"]


class AssessmentSettings(models.Model):
    """One row per school; created with defaults on first read (services.settings_for)."""

    school = models.OneToOneField(
        "staff.School", on_delete=models.CASCADE, related_name="assessment_settings"
    )
    full_marks = models.PositiveSmallIntegerField(
        _("full marks"),
        default=100,
        choices=[(10, _("10-point form")), (100, _("100-point form"))],
        help_text=_("Scores are given out of this many points."),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=60,
        validators=[MaxValueValidator(100)],
        help_text=_("A month below this share of full marks counts as a failing month."),
    )
    # Weights of the parts of a month's score, in percent; they must add up to 100.
    weight_inspection = models.PositiveSmallIntegerField(_("inspections (%)"), default=70)
    weight_peer = models.PositiveSmallIntegerField(_("peer review (%)"), default=20)
    weight_feedback = models.PositiveSmallIntegerField(_("student/parent feedback (%)"), default=10)
    weight_metrics = models.PositiveSmallIntegerField(_("measured metrics (%)"), default=0)
    metrics_count = models.BooleanField(
        _("measured metrics count toward the score"),
        default=False,
        help_text=_(
            "Off by default (MOE 2025 on teachers' burden): metrics are shown to the inspector "
            "and the principal as evidence, not scored."
        ),
    )
    failing_months_flag = models.PositiveSmallIntegerField(
        _("flag after this many failing months in a row"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    feedback_token = models.CharField(
        _("feedback link token"),
        max_length=64,
        blank=True,
        help_text=_("The secret in the feedback QR code; change it to retire printed codes."),
    )
    feedback_per_hour = models.PositiveSmallIntegerField(
        _("feedback submissions per device per hour"), default=3
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("assessment settings")
        verbose_name_plural = _("assessment settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__lte=100), name="assessment_pass_mark_percent"
            )
        ]

    def __str__(self) -> str:
        return str(self.school)

    @property
    def weights(self) -> dict[str, int]:
        return {
            "inspection": self.weight_inspection,
            "peer": self.weight_peer,
            "feedback": self.weight_feedback,
            "metrics": self.weight_metrics if self.metrics_count else 0,
        }


class CriterionKind(models.TextChoices):
    RULES = "rules", _("Keeps the rules and hours")
    EMERGENCY = "emergency", _("Handles emergencies in time")
    LOGS = "logs", _("Keeps faithful and complete logs")
    REACHABLE = "reachable", _("Stays reachable")
    PARTICIPATION = "participation", _("Takes part in drills and training")
    OTHER = "other", _("Other")


class Criterion(models.Model):
    """One line of the school's assessment form, with its share of the inspection score."""

    school = models.ForeignKey(
        "staff.School",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="assessment_criteria",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CriterionKind.choices)
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("what the inspector looks for"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=20, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_points = models.DecimalField(
        _("points"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text=_("The most an inspector can give for this criterion."),
    )
    metric = models.CharField(
        _("measured metric shown beside it"),
        max_length=32,
        blank=True,
        help_text=_("Key of an automatic metric that informs this criterion (see metrics)."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["school", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="criterion_name_unique"),
            models.CheckConstraint(
                condition=models.Q(max_points__gt=0), name="criterion_points_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ScoringRule(models.Model):
    """A standard deduction or bonus on the form (迟到5分钟以内扣1分; 妥善处置突发事件加1–5分):
    the inspector ticks it and the points are applied to the criterion, within 0..max_points."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="rules")
    label = models.CharField(_("rule"), max_length=120)
    points = models.DecimalField(
        _("points (negative deducts)"),
        max_digits=5,
        decimal_places=1,
        help_text=_("For example −1 for late up to 5 minutes, +2 for good incident handling."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["criterion", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(points=0), name="scoring_rule_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.points:+})"
