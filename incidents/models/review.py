"""The post-incident report (事后总结 / 终报), its reviewed versions and corrective actions.

The author edits the draft fields on ``PostIncidentReport``; submitting snapshots them into a
numbered ``ReportVersion`` that the principal accepts or sends back with a comment, so every
round stays readable beside the comment it received. Corrective actions live on the report and
are tracked until done, also after the report is accepted.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ActionStatus",
    "CorrectiveAction",
    "PostIncidentReport",
    "ReportStatus",
    "ReportVersion",
]


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting review")
    RETURNED = "returned", _("Sent back")
    ACCEPTED = "accepted", _("Accepted")


class PostIncidentReport(models.Model):
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="review"
    )
    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    process = models.TextField(_("what happened and how it was handled"), blank=True)
    outcome = models.TextField(_("outcome and aftercare"), blank=True)
    causes = models.TextField(_("causes"), blank=True)
    lessons = models.TextField(_("lessons learned"), blank=True)
    author = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("post-incident report")
        verbose_name_plural = _("post-incident reports")
        # The principal's queue: one school's reports awaiting review.
        indexes = [models.Index(fields=["school", "status"], name="review_school_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ReportStatus.values), name="review_status_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} · {self.status}"


class ReportVersion(models.Model):
    """One submitted round: the text as submitted and the principal's decision on it."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        RETURNED = "returned", _("Sent back")
        ACCEPTED = "accepted", _("Accepted")

    report = models.ForeignKey(
        PostIncidentReport, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    process = models.TextField(_("what happened and how it was handled"))
    outcome = models.TextField(_("outcome and aftercare"))
    causes = models.TextField(_("causes"))
    lessons = models.TextField(_("lessons learned"))
    actions = models.JSONField(_("corrective actions"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="review_version_unique"),
            # A report is sent back only with a reason the author can act on.
            models.CheckConstraint(
                condition=~models.Q(decision="returned") | ~models.Q(comment=""),
                name="review_return_has_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number} {self.decision}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")


class CorrectiveAction(models.Model):
    report = models.ForeignKey(PostIncidentReport, on_delete=models.CASCADE, related_name="actions")
    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(_("corrective action"), max_length=300)
    owner = models.ForeignKey(
        "staff.Staff", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The last school day the owner was told it is overdue: the daily sweep tells them once.
    reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on", "pk"]
        indexes = [
            # The overdue sweep: open actions past their due date.
            models.Index(fields=["status", "due_on"], name="action_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(done_at__isnull=False),
                name="action_done_has_time",
            )
        ]

    def __str__(self) -> str:
        return self.text
