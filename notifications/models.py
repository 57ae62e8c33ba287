"""Notifications: for now the process heartbeats that show the pipeline is alive.

The outbox, channels and escalation engine arrive with the notifications issue.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """Last time a background process (beat, worker, auditor) proved it was running."""

    name = models.CharField(_("process"), max_length=50, unique=True)
    seen_at = models.DateTimeField(_("last seen"))
    beats = models.PositiveBigIntegerField(_("beats"), default=0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Notice(models.Model):
    """One notice to one person through one channel: the outbox row.

    Written in the same transaction as the event that causes it. ``key`` makes it idempotent:
    the same (event, recipient, channel) can be published any number of times and exists once.
    Delivery state advances only through conditional UPDATEs in services.py.
    """

    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.ForeignKey(
        "staff.User",
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    event = models.CharField(_("event"), max_length=150)
    channel = models.CharField(_("channel"), max_length=20)
    address = models.CharField(_("address"), max_length=500, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    due_at = models.DateTimeField(_("due"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Attempts made before an administrator's retry: the retry limit counts from here.
    attempt_base = models.PositiveSmallIntegerField(default=0)
    # A claim is a lease: a sender that dies mid-send loses it when it expires.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            # The sweeper: pending rows whose due time has come, oldest first.
            models.Index(fields=["status", "due_at"], name="notice_due_idx"),
            # The inbox badge: a person's unread in-app notices.
            models.Index(fields=["recipient", "channel", "read_at"], name="notice_inbox_idx"),
            # The inbox page: a person's delivered in-app notices, newest first.
            models.Index(
                fields=["recipient", "channel", "status", "-sent_at"], name="notice_inbox_list_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id} ({self.channel})"


class AttemptOutcome(models.TextChoices):
    STARTED = "started", _("Started")
    OK = "ok", _("Delivered")
    RETRY = "retry", _("Failed, will retry")
    FAILED = "failed", _("Failed permanently")


class DeliveryAttempt(models.Model):
    """Written before each external call, completed after it: the delivery audit trail."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="delivery_attempts")
    number = models.PositiveSmallIntegerField(_("attempt"))
    channel = models.CharField(_("channel"), max_length=20)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=AttemptOutcome.choices, default=AttemptOutcome.STARTED
    )
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["notice", "number"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "number"], name="attempt_number_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.outcome}"


class ChannelConfig(models.Model):
    """A school's configuration of one external channel (robot webhook URL, secret, SMS
    provider). E-mail uses the deployment's SMTP settings and needs no row."""

    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("channel"), max_length=20)
    name = models.CharField(_("name"), max_length=100, blank=True)
    config = models.JSONField(_("configuration"), default=dict, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("channel configuration")
        verbose_name_plural = _("channel configurations")
        constraints = [
            models.UniqueConstraint(fields=["school", "kind"], name="channel_config_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.school_id}:{self.kind}"


def default_channels() -> list[str]:
    return ["inapp", "email"]


class Preference(models.Model):
    """How a person wants to be reached. In-app notices always arrive; the rest are opt-in
    among the channels the school has configured. Quiet hours hold back everything except
    emergencies until they end."""

    user = models.OneToOneField(
        "staff.User", on_delete=models.CASCADE, related_name="notification_preference"
    )
    channels = models.JSONField(_("channels"), default=default_channels, blank=True)
    quiet_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours end"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {', '.join(self.channels)}"


class EscalationStatus(models.TextChoices):
    ACTIVE = "active", _("Escalating")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    FINISHED = "finished", _("All steps done")
    CANCELLED = "cancelled", _("Cancelled")


class Escalation(models.Model):
    """A running escalation: a snapshot of ordered steps (who to notify, then how long to wait
    for an acknowledgement) with the next step's due time. Later edits to the policy it came
    from do not change it. ``fence`` increases with every step, so a processor holding an old
    value knows its view is stale."""

    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField(_("source"), max_length=100, unique=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    urgent = models.BooleanField(_("urgent"), default=True)
    steps = models.JSONField(_("steps"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=EscalationStatus.choices,
        default=EscalationStatus.ACTIVE,
    )
    next_step = models.PositiveSmallIntegerField(_("next step"), default=0)
    next_due_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    fence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "staff.User",
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [
            # The advancing task: active escalations whose next step is due.
            models.Index(fields=["status", "next_due_at"], name="escalation_due_idx"),
        ]

    def __str__(self) -> str:
        return self.source


class EscalationEvent(models.Model):
    """Append-only log of what an escalation did, written in the same transaction."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    kind = models.CharField(_("event"), max_length=20)
    step = models.PositiveSmallIntegerField(_("step"), null=True, blank=True)
    actor = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("escalation event")
        verbose_name_plural = _("escalation events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.escalation_id} {self.kind}"
