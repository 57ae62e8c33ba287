"""Training sessions (岗前培训 before someone's first duty, 在岗培训 during service) with
attendance. Drill participation comes from incidents.Drill; together they feed the "takes part
in drills and training" criterion."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["TrainingAttendance", "TrainingKind", "TrainingSession"]


class TrainingKind(models.TextChoices):
    PRE_DUTY = "pre_duty", _("Pre-duty training")
    IN_SERVICE = "in_service", _("In-service training")


class TrainingSession(models.Model):
    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=TrainingKind.choices)
    title = models.CharField(_("topic"), max_length=120)
    held_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(24)],
    )
    trainer = models.CharField(_("trainer"), max_length=80, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class TrainingAttendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendance"
    )
    staff = models.ForeignKey(
        "staff.Staff", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    attended = models.BooleanField(_("attended"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "staff"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.session_id} {self.staff_id}"
