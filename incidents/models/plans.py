"""Emergency plans (应急预案), the checklist an incident opens with, and drills (演练).

A plan is versioned: editing publishes a new ``PlanVersion`` with its own ordered steps, and an
incident keeps the version it was opened with (``IncidentPlan``), so a later edit never changes
what the people on the scene were asked to do.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.categories import Category, all_subcategory_choices
from staff.models import Role

__all__ = ["Drill", "EmergencyPlan", "IncidentPlan", "PlanStep", "PlanVersion", "StepTick"]


class EmergencyPlan(models.Model):
    """One school's plan for a category (or one sub-category of it; blank = the whole
    category). Its content lives in versions; the newest is the one in force."""

    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    subcategory = models.CharField(
        _("sub-category"), max_length=16, choices=all_subcategory_choices(), blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["category", "subcategory", "pk"]
        constraints = [
            # attach_plan looks a plan up by (school, category, sub-category): one answer.
            models.UniqueConstraint(
                fields=["school", "category", "subcategory"], name="plan_one_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.subcategory}".strip()


class PlanVersion(models.Model):
    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    contacts = models.TextField(_("contacts"), blank=True)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class PlanStep(models.Model):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("step"), max_length=300)
    role = models.CharField(_("responsible role"), max_length=16, choices=Role.choices, blank=True)
    minutes = models.PositiveIntegerField(_("time target (minutes)"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="plan_step_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class IncidentPlan(models.Model):
    """The plan version an incident opened with: its checklist."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="plan"
    )
    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    attached_at = models.DateTimeField(_("attached at"), auto_now_add=True)

    class Meta:
        verbose_name = _("incident plan")
        verbose_name_plural = _("incident plans")

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.version}"


class StepTick(models.Model):
    """A plan step done during an incident, with when and by whom."""

    checklist = models.ForeignKey(IncidentPlan, on_delete=models.CASCADE, related_name="ticks")
    step = models.ForeignKey(PlanStep, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(_("done at"))
    done_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("plan step done")
        verbose_name_plural = _("plan steps done")
        constraints = [models.UniqueConstraint(fields=["checklist", "step"], name="step_tick_once")]

    def __str__(self) -> str:
        return f"{self.checklist_id}: {self.step_id}"


class Drill(models.Model):
    """An emergency drill (应急演练) and what it taught."""

    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    scenario = models.CharField(_("scenario"), max_length=200)
    plan_version = models.ForeignKey(
        PlanVersion,
        verbose_name=_("plan used"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    participants = models.ManyToManyField(
        "staff.Staff", verbose_name=_("participants"), related_name="drills", blank=True
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    findings = models.TextField(_("findings"), blank=True)
    improvements = models.TextField(_("improvements"), blank=True)
    created_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-held_on", "-pk"]
        # The drill list: one school's drills, newest first.
        indexes = [models.Index(fields=["school", "held_on"], name="drill_school_date_idx")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.scenario}"
