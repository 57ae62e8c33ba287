"""Logbook models: the visitor register (来访登记).

A ``Visit`` is one visitor's stay on campus. The ID number is never stored in plaintext:
``id_cipher`` (Fernet, see logbook/crypto.py), ``id_lookup`` (keyed HMAC, for "visited
before") and ``id_masked`` (first 3 and last 4 characters) are all that is kept. After the
school's retention period the personal fields are erased and ``purged_at`` set; the row stays
so counts by day survive.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from logbook.idcard import IdType

__all__ = ["IdType", "Visit", "VisitIdReveal", "VisitQuerySet", "VisitorSettings"]

DEFAULT_RETENTION_DAYS = 180


class VisitQuerySet(models.QuerySet):
    def for_school(self, school) -> VisitQuerySet:
        return self.filter(school=school)

    def on_campus(self) -> VisitQuerySet:
        """Signed in, not yet out (and not purged)."""
        return self.filter(time_out__isnull=True, purged_at__isnull=True)


class Visit(models.Model):
    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    time_in = models.DateTimeField(_("time in"))
    time_out = models.DateTimeField(_("time out"), null=True, blank=True)
    name = models.CharField(_("visitor name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    id_type = models.CharField(
        _("document type"), max_length=12, choices=IdType.choices, default=IdType.RESIDENT
    )
    id_cipher = models.TextField(_("document number (encrypted)"), blank=True, editable=False)
    id_lookup = models.CharField(_("document lookup key"), max_length=64, blank=True)
    id_masked = models.CharField(_("document number"), max_length=40, blank=True)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose of visit"), max_length=200, blank=True)
    host = models.ForeignKey(
        "staff.Staff",
        verbose_name=_("person visited"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    host_text = models.CharField(_("person or department visited"), max_length=100, blank=True)
    party_size = models.PositiveSmallIntegerField(_("people in the party"), default=1)
    plate = models.CharField(_("vehicle plate"), max_length=16, blank=True)
    items = models.CharField(_("items carried"), max_length=200, blank=True)
    badge = models.CharField(_("visitor pass number"), max_length=20, blank=True)
    escort = models.CharField(_("escort"), max_length=50, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    signed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed out by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    purged_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-time_in", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(time_out__isnull=True) | Q(time_out__gte=models.F("time_in")),
                name="visit_out_after_in",
            ),
            models.CheckConstraint(
                condition=Q(party_size__gte=1) & Q(party_size__lte=99), name="visit_party_size"
            ),
            models.CheckConstraint(condition=Q(id_type__in=IdType.values), name="visit_id_type"),
            # A purged row keeps nothing that identifies the visitor.
            models.CheckConstraint(
                condition=Q(purged_at__isnull=True)
                | Q(name="", phone="", id_cipher="", id_lookup="", id_masked="", plate=""),
                name="visit_purged_is_empty",
            ),
        ]
        indexes = [
            # The register page: one school's visits of a day, newest first.
            models.Index(fields=["school", "time_in"], name="visit_school_time_idx"),
            # "Visited before": the same document in the same school.
            models.Index(fields=["school", "id_lookup"], name="visit_lookup_idx"),
            # "Still on campus": the open visits of a school.
            models.Index(
                fields=["school", "time_in"],
                condition=Q(time_out__isnull=True, purged_at__isnull=True),
                name="visit_on_campus_idx",
            ),
            # The retention sweep: unpurged visits older than a cut-off.
            models.Index(
                fields=["time_in"], condition=Q(purged_at__isnull=True), name="visit_unpurged_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or '—'} {self.time_in:%Y-%m-%d %H:%M}"

    @property
    def on_campus(self) -> bool:
        return self.time_out is None and self.purged_at is None


class VisitIdReveal(models.Model):
    """Append-only: every time someone saw a full ID number, who, when and which visit."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="reveals")
    revealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revealed_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("ID number view")
        verbose_name_plural = _("ID number views")
        ordering = ["-revealed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.visit_id} · {self.revealed_by_id} · {self.revealed_at:%Y-%m-%d %H:%M}"


class VisitorSettings(models.Model):
    """Per-school settings of the visitor register; a school without a row uses the defaults."""

    school = models.OneToOneField(
        "staff.School", on_delete=models.CASCADE, related_name="visitor_settings"
    )
    retention_days = models.PositiveIntegerField(
        _("keep visitor personal data for (days)"),
        default=DEFAULT_RETENTION_DAYS,
        help_text=_("After this many days the name, phone, document and plate are erased."),
    )

    class Meta:
        verbose_name = _("visitor register settings")
        verbose_name_plural = _("visitor register settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_days__gte=1) & Q(retention_days__lte=3650),
                name="visitor_retention_range",
            )
        ]

    def __str__(self) -> str:
        return str(self.school)
