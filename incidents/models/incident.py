"""The incident itself, its append-only timeline, attachments and the escalation policy."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.categories import Category, Severity, Status, all_subcategory_choices

__all__ = [
    "EscalationPolicy",
    "EventKind",
    "Incident",
    "IncidentAttachment",
    "IncidentEscalation",
    "IncidentEvent",
]


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
    ATTACHMENT = "attachment", _("Attachment added")


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


class IncidentAttachment(models.Model):
    """A photo or file added to a report. Stored under a generated private name; served only
    through a view that fetches the incident with the permission choke-point."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    file = models.CharField(_("stored file"), max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class IncidentEscalation(models.Model):
    """An escalation chain run for an incident: the first one when it is reported, another when
    its severity is raised (the steps of the new level that the earlier chains had not yet
    reached). ``bureau_step`` is the step that tells the bureau, if any: once it has run, the
    bureau may read the incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="escalations")
    escalation = models.OneToOneField(
        "notifications.Escalation", on_delete=models.CASCADE, related_name="incident_link"
    )
    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices)
    bureau_step = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("incident escalation")
        verbose_name_plural = _("incident escalations")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.escalation_id}"


class EscalationPolicy(models.Model):
    """Who is told, in order, about an incident of one severity in one school. ``steps`` is a
    list of ``{"targets": [...], "wait_minutes": n}``; a target is a role code, ``"shift_leader"``
    (the leaders of the incident's shift, or the school's leaders when it has none) or
    ``"bureau"`` (the school's bureau officials). Without a row the shipped defaults apply
    (incidents.services.incident.DEFAULT_POLICY). A running escalation keeps the steps it
    started with."""

    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices)
    steps = models.JSONField(_("steps"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")
        constraints = [
            models.UniqueConstraint(fields=["school", "severity"], name="escalation_policy_unique")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.get_severity_display()}"
