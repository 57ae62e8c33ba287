"""The duty log (值班记录), its amendments and audit trail, and the leader's post checks (查岗).

A log is written during a shift (draft, autosaved), submitted before the shift ends and signed
by the shift's leader. Once submitted it never changes: corrections are ``LogAmendment`` rows
kept beside the original. On PostgreSQL a trigger (migration 0002_log_guards) enforces this
below the ORM and writes a ``LogRevision`` for changes that bypass the services.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "AMENDABLE_FIELDS",
    "CONTENT_FIELDS",
    "DutyLog",
    "LogAmendment",
    "LogRevision",
    "LogStatus",
    "LogbookSettings",
    "PostCheck",
]

# What the duty staff write; everything else on a log is bookkeeping.
CONTENT_FIELDS = (
    "weather",
    "students_present",
    "activities",
    "parent_communication",
    "calls",
    "events_and_handling",
    "summary",
    "suggestions",
)
AMENDABLE_FIELDS = CONTENT_FIELDS


class LogStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SIGNED = "signed", _("Signed off")


class LogbookSettings(models.Model):
    """A school's duty-log rules. Defaults: two post checks a shift, submission up to an hour
    after the shift ends, the leader told an hour after the end if the log is still missing."""

    school = models.OneToOneField(
        "staff.School", on_delete=models.CASCADE, related_name="logbook_settings"
    )
    post_checks_expected = models.PositiveSmallIntegerField(_("post checks per shift"), default=2)
    submit_grace_minutes = models.PositiveSmallIntegerField(
        _("duty staff may submit up to (minutes after the shift ends)"), default=60
    )
    leader_notice_minutes = models.PositiveSmallIntegerField(
        _("tell the leader about a missing log after (minutes after the shift ends)"), default=60
    )

    class Meta:
        verbose_name = _("duty log settings")
        verbose_name_plural = _("duty log settings")

    def __str__(self) -> str:
        return f"{self.school_id}"


class DutyLog(models.Model):
    shift = models.ForeignKey(
        "roster.Shift", verbose_name=_("shift"), on_delete=models.PROTECT, related_name="duty_logs"
    )
    school = models.ForeignKey("staff.School", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))  # the shift's date, copied for archive queries
    status = models.CharField(
        _("status"), max_length=10, choices=LogStatus.choices, default=LogStatus.DRAFT
    )
    weather = models.CharField(_("weather"), max_length=100, blank=True)
    students_present = models.PositiveIntegerField(_("students at school"), null=True, blank=True)
    activities = models.TextField(_("activities and special situations"), blank=True)
    parent_communication = models.TextField(_("parent communication"), blank=True)
    calls = models.TextField(_("calls and documents received"), blank=True)
    events_and_handling = models.TextField(_("emergencies and how they were handled"), blank=True)
    summary = models.TextField(_("situation summary"), blank=True)
    suggestions = models.TextField(_("suggestions"), blank=True)
    author = models.ForeignKey(
        "staff.Staff", verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        "staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    late_reason = models.TextField(_("reason for late submission"), blank=True)
    signed_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    signed_by = models.ForeignKey(
        "staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sign_comment = models.TextField(_("leader's comment"), blank=True)
    # Bumped by every save: an autosave carrying an older version is a conflict, not a write.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("duty log")
        verbose_name_plural = _("duty logs")
        ordering = ["-date", "shift__starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["shift"], name="duty_log_one_per_shift"),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(submitted_at__isnull=False),
                name="duty_log_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="signed") | models.Q(signed_at__isnull=False),
                name="duty_log_signed_has_time",
            ),
        ]
        indexes = [
            # The archive and the daily report: one school's logs by date.
            models.Index(fields=["school", "date"], name="duty_log_school_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.shift_id} ({self.status})"

    @property
    def is_draft(self) -> bool:
        return self.status == LogStatus.DRAFT

    @property
    def submitted_late(self) -> bool:
        return self.submitted_at is not None and self.submitted_at > self.shift.ends_at


class LogAmendment(models.Model):
    """A correction to a submitted log, kept beside the original. Append-only (trigger)."""

    log = models.ForeignKey(DutyLog, on_delete=models.PROTECT, related_name="amendments")
    field = models.CharField(_("field"), max_length=32)
    text = models.TextField(_("corrected text"))
    reason = models.TextField(_("reason"))
    author = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("log amendment")
        verbose_name_plural = _("log amendments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.log_id} {self.field}"


class LogRevision(models.Model):
    """Audit trail of a log: who changed what and when, with {field: [before, after]}.
    Written by the services; on PostgreSQL a trigger writes one for any other UPDATE."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Opened")
        SAVED = "saved", _("Saved")
        SUBMITTED = "submitted", _("Submitted")
        SIGNED = "signed", _("Signed off")
        AMENDED = "amended", _("Amended")
        DIRECT = "direct", _("Changed outside the app")

    log = models.ForeignKey(DutyLog, on_delete=models.PROTECT, related_name="revisions")
    # PROTECT, not SET_NULL: history rows are never updated (the trigger refuses it).
    actor = models.ForeignKey(
        "staff.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("log revision")
        verbose_name_plural = _("log revisions")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["log", "at"], name="log_revision_log_idx")]

    def __str__(self) -> str:
        return f"{self.log_id} {self.action}"


class PostCheck(models.Model):
    """查岗: a duty leader checked that the people on duty are at their posts."""

    shift = models.ForeignKey("roster.Shift", on_delete=models.CASCADE, related_name="post_checks")
    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+")
    leader = models.ForeignKey(
        "staff.Staff", verbose_name=_("leader"), on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked at"))
    remarks = models.CharField(_("remarks"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("post check")
        verbose_name_plural = _("post checks")
        ordering = ["checked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.shift_id} @ {self.checked_at:%Y-%m-%d %H:%M}"
