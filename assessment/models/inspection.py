"""Inspections: the monthly comprehensive inspection (每月至少一次全面检查), planned ahead with a
reminder to the inspector, and unannounced spot checks (不定期抽查) recorded when they happen.
An inspector scores people against the criteria, with notes and links to the evidence (a duty
log, a patrol round, an incident, a hazard, a check-in)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "EvidenceKind",
    "EvidenceLink",
    "Inspection",
    "InspectionKind",
    "InspectionScore",
    "InspectionStatus",
]


class InspectionKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly comprehensive inspection")
    SPOT = "spot", _("Spot check")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Inspection(models.Model):
    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=InspectionKind.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InspectionStatus.choices,
        default=InspectionStatus.PLANNED,
    )
    month = models.DateField(_("month"), help_text=_("First day of the month it counts for."))
    planned_on = models.DateField(_("planned for"), null=True, blank=True)
    inspector = models.ForeignKey(
        "staff.Staff", verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="+"
    )
    shift = models.ForeignKey(
        "roster.Shift",
        verbose_name=_("shift inspected"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    notes = models.TextField(_("findings"), blank=True)
    created_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    reminded_at = models.DateTimeField(_("inspector reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-month", "planned_on", "pk"]
        indexes = [models.Index(fields=["school", "month"], name="inspection_school_month_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="inspection_month_first_day"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(done_at__isnull=False),
                name="inspection_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m}"


class InspectionScore(models.Model):
    """One person's points on one criterion in one inspection; ``rules`` lists the ScoringRule
    ids ticked (their points are already in ``points``)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="scores")
    subject = models.ForeignKey(
        "staff.Staff", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    criterion = models.ForeignKey(
        "assessment.Criterion",
        verbose_name=_("criterion"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=1)
    rules = models.JSONField(_("rules applied"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("inspection score")
        verbose_name_plural = _("inspection scores")
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "subject", "criterion"], name="inspection_score_once"
            ),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.criterion_id} {self.points}"


class EvidenceKind(models.TextChoices):
    LOG = "log", _("Duty log")
    PATROL = "patrol", _("Patrol round")
    HAZARD = "hazard", _("Hazard")
    INCIDENT = "incident", _("Incident")
    CHECKIN = "checkin", _("Check-in")
    DRILL = "drill", _("Drill")
    TRAINING = "training", _("Training")


class EvidenceLink(models.Model):
    """A pointer from an inspection (and optionally one of its scores) to a record in another
    app; resolved to a URL and label by assessment.evidence."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="evidence")
    score = models.ForeignKey(
        InspectionScore, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices)
    object_id = models.PositiveBigIntegerField(_("record"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "kind", "object_id"], name="evidence_once_per_inspection"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
