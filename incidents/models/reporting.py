"""Reports up the chain (初报 / 续报 / 终报): each report owed to the bureau is a stored clock with
a due time, claimed by a periodic task that warns before it lapses and escalates when it does."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.categories import Severity

__all__ = ["ClockKind", "ReportClock", "ReportingPolicy"]


class ClockKind(models.TextChoices):
    VERBAL = "verbal", _("Verbal first report (phone)")
    WRITTEN = "written", _("Written first report")
    FOLLOWUP = "followup", _("Follow-up report")
    DAILY = "daily", _("Daily progress report")
    FINAL = "final", _("Final report")


class ReportingPolicy(models.Model):
    """A bureau's deadlines for one severity; without a row the shipped defaults apply
    (incidents.services.reporting.DEFAULTS). Minutes count from the report in the school."""

    bureau = models.ForeignKey(
        "staff.Bureau", verbose_name=_("bureau"), on_delete=models.CASCADE, related_name="+"
    )
    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices)
    verbal_minutes = models.PositiveSmallIntegerField(_("verbal first report within (min)"))
    written_minutes = models.PositiveSmallIntegerField(_("written first report within (min)"))
    daily_hour = models.PositiveSmallIntegerField(_("daily progress report by (hour)"), default=17)
    final_days = models.PositiveSmallIntegerField(_("final report within (days)"), default=3)

    class Meta:
        verbose_name = _("reporting deadlines")
        verbose_name_plural = _("reporting deadlines")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "severity"], name="reporting_policy_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bureau_id} {self.severity}"


class ReportClock(models.Model):
    """One report owed upward. Done when logged (who reported to whom, when, what); otherwise
    the periodic task warns at ``warn_at`` and escalates at ``due_at``, each once."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="report_clocks"
    )
    kind = models.CharField(_("report"), max_length=10, choices=ClockKind.choices)
    number = models.PositiveSmallIntegerField(_("number"), default=1)
    due_at = models.DateTimeField(_("due"))
    warn_at = models.DateTimeField(_("warn at"))
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    lapsed_at = models.DateTimeField(_("lapsed"), null=True, blank=True)
    done_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    done_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact = models.CharField(_("reported to"), max_length=200, blank=True)
    text = models.TextField(_("content"), blank=True)

    class Meta:
        verbose_name = _("report clock")
        verbose_name_plural = _("report clocks")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind", "number"], name="report_clock_unique"
            )
        ]
        indexes = [
            # The periodic task: open clocks whose warning or deadline has come.
            models.Index(fields=["done_at", "warn_at"], name="report_clock_warn_idx"),
            models.Index(fields=["done_at", "due_at"], name="report_clock_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.number}"
