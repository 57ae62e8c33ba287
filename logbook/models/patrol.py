"""Logbook models: patrol checklists (安全巡查表), rounds, results, QR scans and photos.

A checkpoint is a place on the patrol route with a secret QR token; its items say what to look
at and how often. A round is one person's patrol in one shift: the items due are fixed when it
starts (frequency-aware), each recorded item is a result, each QR scan a timestamped row.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Checkpoint",
    "EvidencePhoto",
    "Frequency",
    "PatrolItem",
    "PatrolResult",
    "PatrolRound",
    "PatrolScan",
    "ResultStatus",
]


def new_qr_token() -> str:
    return secrets.token_urlsafe(24)


class Frequency(models.TextChoices):
    SHIFT = "shift", _("Each shift")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class Checkpoint(models.Model):
    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+")
    area = models.CharField(_("area"), max_length=50)
    location = models.CharField(_("location"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    # The secret in the printed QR code's URL: it names the place, it grants nothing.
    token = models.CharField(max_length=64, unique=True, default=new_qr_token, editable=False)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "area", "location"], name="checkpoint_place_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area} · {self.location}" if self.location else self.area


class PatrolItem(models.Model):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("what to check"), max_length=200)
    frequency = models.CharField(
        _("how often"), max_length=8, choices=Frequency.choices, default=Frequency.SHIFT
    )
    bad_weather_only = models.BooleanField(_("extra in bad weather only"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("patrol item")
        verbose_name_plural = _("patrol items")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(frequency__in=Frequency.values), name="patrol_item_frequency"
            )
        ]

    def __str__(self) -> str:
        return self.text


class PatrolRound(models.Model):
    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+")
    shift = models.ForeignKey("roster.Shift", on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    bad_weather = models.BooleanField(_("bad weather"), default=False)
    # The items due, fixed when the round starts (or the weather changes): completion is
    # measured against what was due then, not against a checklist edited later.
    due_item_ids = models.JSONField(default=list)

    class Meta:
        verbose_name = _("patrol round")
        verbose_name_plural = _("patrol rounds")
        ordering = ["-started_at", "-pk"]
        constraints = [
            # One open round per person: a QR scan knows which round it stamps.
            models.UniqueConstraint(
                fields=["started_by"],
                condition=models.Q(finished_at__isnull=True),
                name="patrol_round_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(finished_at__isnull=True)
                | models.Q(finished_at__gte=models.F("started_at")),
                name="patrol_round_finished_after_start",
            ),
        ]
        indexes = [
            # The daily report and the shift panel: rounds of a shift.
            models.Index(fields=["shift", "started_at"], name="patrol_round_shift_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.shift_id} {self.started_by_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.finished_at is None


class ResultStatus(models.TextChoices):
    OK = "ok", _("OK")
    PROBLEM = "problem", _("Problem")


class PatrolResult(models.Model):
    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(PatrolItem, on_delete=models.PROTECT, related_name="results")
    status = models.CharField(_("result"), max_length=8, choices=ResultStatus.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("patrol result")
        verbose_name_plural = _("patrol results")
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "item"], name="patrol_result_one_per_item"),
            models.CheckConstraint(
                condition=models.Q(status__in=ResultStatus.values), name="patrol_result_status"
            ),
        ]
        indexes = [
            # Frequency: "was this daily/weekly item recorded since ...?"
            models.Index(fields=["item", "recorded_at"], name="patrol_result_item_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.status}"


class PatrolScan(models.Model):
    """A QR scan at a checkpoint during a round: where and when the patrol actually went."""

    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="scans")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    scanned_at = models.DateTimeField(_("scanned"))

    class Meta:
        verbose_name = _("checkpoint scan")
        verbose_name_plural = _("checkpoint scans")
        ordering = ["scanned_at", "pk"]

    def __str__(self) -> str:
        return f"{self.checkpoint_id} @ {self.scanned_at:%H:%M}"


class EvidencePhoto(models.Model):
    """A validated, re-encoded photo (no EXIF) of a patrol result and/or a hazard. Stored
    under MEDIA_ROOT and served only through a permission-checked view."""

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+")
    file = models.FileField(max_length=200)
    content_type = models.CharField(max_length=30)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    result = models.ForeignKey(
        PatrolResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    hazard = models.ForeignKey(
        "logbook.Hazard", on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.file.name
