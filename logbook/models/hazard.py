"""Logbook models: hazards (安全隐患排查整改台账) and their append-only history.

A hazard is numbered per school per calendar year (编号 restarts in January; open hazards of
earlier years carry over with their old number). Status runs open → assigned → fixed →
verified → closed out (销号); each step keeps who and when, and the verifier and the person who
closes out are never the person who fixed it — checked in the service and in the database.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "DueKind",
    "Hazard",
    "HazardCategory",
    "HazardEvent",
    "HazardStatus",
    "Severity",
]


class HazardCategory(models.TextChoices):
    BUILDING = "building", _("School buildings")
    FIRE = "fire", _("Fire safety")
    ELECTRIC = "electric", _("Electricity")
    SPORTS = "sports", _("Sports equipment")
    CANTEEN = "canteen", _("Canteen")
    SURROUNDINGS = "surroundings", _("Surroundings")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    GENERAL = "general", _("General")
    MAJOR = "major", _("Major")


class DueKind(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DEADLINE = "deadline", _("By a deadline")


class HazardStatus(models.TextChoices):
    OPEN = "open", _("Not yet fixed")
    ASSIGNED = "assigned", _("Being fixed")
    FIXED = "fixed", _("Fixed")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed out")


UNFIXED = (HazardStatus.OPEN, HazardStatus.ASSIGNED)


class HazardQuerySet(models.QuerySet):
    def unfixed(self) -> HazardQuerySet:
        return self.filter(status__in=UNFIXED)

    def not_closed(self) -> HazardQuerySet:
        return self.exclude(status=HazardStatus.CLOSED)

    def overdue(self, today) -> HazardQuerySet:
        return self.unfixed().filter(due_date__lt=today)


class Hazard(models.Model):
    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    found_at = models.DateTimeField(_("found at"))
    found_by = models.ForeignKey(
        "staff.Staff", verbose_name=_("found by"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.CharField(_("location"), max_length=100)
    category = models.CharField(
        _("category"), max_length=16, choices=HazardCategory.choices, default=HazardCategory.OTHER
    )
    description = models.TextField(_("description"), max_length=2000)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.GENERAL
    )
    department = models.CharField(_("responsible department"), max_length=50, blank=True)
    responsible = models.ForeignKey(
        "staff.Staff",
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_kind = models.CharField(
        _("time limit"), max_length=10, choices=DueKind.choices, default=DueKind.DEADLINE
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    measures = models.TextField(_("measures"), blank=True, max_length=2000)
    interim_protection = models.TextField(_("interim protection"), blank=True, max_length=2000)
    cost = models.DecimalField(
        _("cost (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    result = models.TextField(_("result"), blank=True, max_length=2000)
    reported_up = models.BooleanField(_("reported to the bureau"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=HazardStatus.choices, default=HazardStatus.OPEN
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        "staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fixed_at = models.DateTimeField(null=True, blank=True)
    fixed_by = models.ForeignKey(
        "staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        "staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        "staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The patrol item that found it: one hazard per problem result, so a second tap is a no-op.
    source_result = models.OneToOneField(
        "logbook.PatrolResult",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hazard",
    )

    objects = HazardQuerySet.as_manager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "number"], name="hazard_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=HazardStatus.values), name="hazard_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(verified_by__isnull=True)
                | models.Q(fixed_by__isnull=True)
                | ~models.Q(verified_by=models.F("fixed_by")),
                name="hazard_verifier_not_fixer",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_by__isnull=True)
                | models.Q(fixed_by__isnull=True)
                | ~models.Q(closed_by=models.F("fixed_by")),
                name="hazard_closer_not_fixer",
            ),
        ]
        indexes = [
            # The register: one school's ledger, newest first, filtered by status.
            models.Index(fields=["school", "status", "due_date"], name="hazard_school_status_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"{self.year}-{self.number:03d}"


class HazardEvent(models.Model):
    """Append-only: one row per change, written in the same transaction as the change."""

    class Action(models.TextChoices):
        REPORTED = "reported", _("Reported")
        ASSIGNED = "assigned", _("Fix assigned")
        FIXED = "fixed", _("Marked fixed")
        REJECTED = "rejected", _("Fix not accepted")
        VERIFIED = "verified", _("Verified")
        CLOSED = "closed", _("Closed out")
        PHOTO = "photo", _("Photo added")
        OVERDUE = "overdue", _("Overdue notice sent")

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        "staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("hazard event")
        verbose_name_plural = _("hazard events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.action}"
