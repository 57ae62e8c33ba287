"""The incident itself, its append-only timeline, attachments and the escalation policy."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.categories import Category, Severity, Status, all_subcategory_choices

__all__ = ["EventKind", "Incident", "IncidentEvent"]


class Incident(models.Model):
    """A report of something that went wrong. A short first report (category, severity, when,
    where, what) is accepted and completed later; every later change is an IncidentEvent."""

    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    # The shift on duty when it happened (its leaders are told first); none outside any shift.
    shift = models.ForeignKey(
        "roster.Shift",
        verbose_name=_("shift"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reporter = models.ForeignKey(
        "staff.Staff", verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    subcategory = models.CharField(
        _("sub-category"), max_length=16, choices=all_subcategory_choices(), default="other"
    )
    severity = models.CharField(
        _("severity"), max_length=1, choices=Severity.choices, default=Severity.UNRATED
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REPORTED
    )
    occurred_at = models.DateTimeField(_("happened at"))
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    location = models.CharField(_("place"), max_length=200)
    summary = models.TextField(_("what happened"))
    # Completed later (the full report); blank in a short first report.
    casualties_dead = models.PositiveIntegerField(_("dead"), default=0)
    casualties_injured = models.PositiveIntegerField(_("injured"), default=0)
    casualties_ill = models.PositiveIntegerField(_("ill"), default=0)
    # Names, ages, classes of hurt students: personal data of minors, shown only to the roles
    # that need it (see incidents/queries).
    people_hurt = models.TextField(_("people hurt (names, classes, injuries)"), blank=True)
    services_called = models.JSONField(_("outside services called"), default=list, blank=True)
    first_measures = models.TextField(_("first measures taken"), blank=True)
    leaders_on_scene = models.CharField(_("leaders on the scene"), max_length=200, blank=True)
    impact = models.TextField(_("impact"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contained_at = models.DateTimeField(_("contained at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            # The principal's dashboard: one school's open incidents by age.
            models.Index(fields=["school", "status", "occurred_at"], name="incident_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.location} ({self.occurred_at:%Y-%m-%d})"


class EventKind(models.TextChoices):
    REPORTED = "reported", _("Reported")
    UPDATED = "updated", _("Updated")
    STATUS = "status", _("Status changed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    NOTE = "note", _("Note")
    ESCALATED = "escalated", _("Escalation step")
    PLAN_STEP = "plan_step", _("Plan step done")
    REPORT_UP = "report_up", _("Report to the authorities")
    REVIEW = "review", _("Post-incident review")


class IncidentEvent(models.Model):
    """The timeline: append-only, written in the same transaction as the change it records."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("text"), blank=True)
    # For updates: {field: [before, after]}; for status: {"from": .., "to": ..}.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"], name="incident_event_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.at:%H:%M}"
