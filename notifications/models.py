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
