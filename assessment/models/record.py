"""Month scores: the stored result of combining a person's inspections, peer reviews, feedback
and (when the school counts them) measured metrics for one month, by the school's weights.
Recomputed until the month is finalised by the principal; then frozen, and the annual record
and term scores read them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["MonthScore"]


class MonthScore(models.Model):
    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "staff.Staff", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    # Each part as a percentage of its own full marks (0–100); None when there was nothing to
    # score (no inspection, no review) — a missing part is left out and the weights re-spread.
    inspection = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    peer = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    feedback = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    metrics_score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    total = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("On the school's scale (10 or 100 points)."),
    )
    metrics = models.JSONField(_("measured metrics"), default=dict, blank=True)
    failing = models.BooleanField(_("below the pass mark"), default=False)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)
    finalized_at = models.DateTimeField(_("finalised"), null=True, blank=True)

    class Meta:
        verbose_name = _("month score")
        verbose_name_plural = _("month scores")
        ordering = ["-month", "staff"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "month"], name="month_score_once"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="month_score_month"),
        ]
        indexes = [models.Index(fields=["school", "month"], name="month_score_school_idx")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.month:%Y-%m} {self.total}"
