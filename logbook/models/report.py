"""Logbook models: reporting up to the bureau (值班日报 / 零报告) in special periods.

A bureau declares a ``ReportingPeriod`` (春节, 国庆, 汛期 …) with a daily cut-off. During it each
school sends one ``DailyReport`` per day. A report is never edited: a correction is the next
version with a reason, and the bureau sees every version. "Nothing happened" is an explicit,
ticked 零报告 (a row); a missing report is the absence of a row, never a default.
"""

from __future__ import annotations

from datetime import time

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["DailyReport", "ReportChase", "ReportingPeriod"]


class ReportingPeriod(models.Model):
    bureau = models.ForeignKey(
        "staff.Bureau",
        verbose_name=_("education bureau"),
        on_delete=models.CASCADE,
        related_name="reporting_periods",
    )
    name = models.CharField(_("name"), max_length=50)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    cutoff = models.TimeField(_("daily cut-off"), default=time(17))
    created_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="reporting_period_dates_ordered",
            )
        ]
        indexes = [
            # "Which period covers this day for this bureau?"
            models.Index(fields=["bureau", "start_date", "end_date"], name="report_period_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class DailyReport(models.Model):
    """One version of a school's daily report for one day; frozen once written."""

    school = models.ForeignKey(
        "staff.School", on_delete=models.CASCADE, related_name="daily_reports"
    )
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="reports")
    date = models.DateField(_("date"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    leader = models.CharField(_("duty leader (带班领导)"), max_length=200)
    on_duty = models.CharField(_("people on duty (值班人员)"), max_length=500)
    on_post = models.BooleanField(_("everyone at their post (是否在岗)"))
    no_incident = models.BooleanField(_("no accident or anomaly today (零报告)"))
    event_count = models.PositiveSmallIntegerField(_("number of events"), default=0)
    events = models.TextField(_("events"), max_length=4000, blank=True)
    hazards_found = models.PositiveSmallIntegerField(_("hazards found today"), default=0)
    hazards_fixed = models.PositiveSmallIntegerField(_("hazards fixed today"), default=0)
    warnings = models.TextField(_("weather or flood warnings"), max_length=1000, blank=True)
    reporter = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporter_name = models.CharField(_("reported by (报送人)"), max_length=50)
    submitted_at = models.DateTimeField(_("reported at (报送时间)"))
    deadline = models.DateTimeField(_("cut-off"))
    correction_reason = models.TextField(_("reason for the correction"), blank=True)

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-date", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "date", "version"], name="daily_report_version_unique"
            ),
            # A 零报告 has no events; a report without the tick counts at least one.
            models.CheckConstraint(
                condition=models.Q(no_incident=True, event_count=0)
                | models.Q(no_incident=False, event_count__gte=1),
                name="daily_report_zero_or_events",
            ),
            models.CheckConstraint(
                condition=models.Q(version=1) | ~models.Q(correction_reason=""),
                name="daily_report_correction_has_reason",
            ),
        ]
        indexes = [
            # The bureau's day view: every school's versions for one date.
            models.Index(fields=["date", "school"], name="daily_report_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.date} v{self.version}"

    @property
    def is_zero(self) -> bool:
        return self.no_incident


class ReportChase(models.Model):
    """The bureau chased a school for a missing report of one day (at most once)."""

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    chased_at = models.DateTimeField(_("chased"))
    chased_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("report reminder")
        verbose_name_plural = _("report reminders")
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="report_chase_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.date}"
