"""Logbook models: handover (交接班记录).

The outgoing shift writes a ``HandoverNote`` to the next shift; open items are snapshotted when
it is written (hazards as a list of labels, visitors still on campus as links to their visits,
so the retention purge erases their names here too). Someone on the incoming shift accepts it,
and responsibility passes at ``decided_at``, or refuses it with a reason, which the duty leader
is told at once. After the decision the note is read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["Condition", "HandoverNote", "HandoverStatus"]


class HandoverStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the next shift")
    ACCEPTED = "accepted", _("Taken over")
    REFUSED = "refused", _("Refused")


class Condition(models.TextChoices):
    OK = "ok", _("Normal")
    PROBLEM = "problem", _("Problem")


def _condition(label):
    return models.CharField(label, max_length=8, choices=Condition.choices, default=Condition.OK)


class HandoverNote(models.Model):
    school = models.ForeignKey("staff.School", on_delete=models.PROTECT, related_name="+")
    from_shift = models.ForeignKey(
        "roster.Shift",
        verbose_name=_("outgoing shift"),
        on_delete=models.PROTECT,
        related_name="handovers_out",
    )
    to_shift = models.ForeignKey(
        "roster.Shift",
        verbose_name=_("incoming shift"),
        on_delete=models.PROTECT,
        related_name="handovers_in",
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    written_at = models.DateTimeField(_("written"))
    handed_over_at = models.DateTimeField(_("handover time"))
    situation = models.TextField(_("this shift's situation"), max_length=4000)
    cctv = _condition(_("CCTV"))
    alarm = _condition(_("alarm"))
    gate = _condition(_("gate"))
    lighting = _condition(_("lighting"))
    equipment_note = models.CharField(_("equipment notes"), max_length=500, blank=True)
    keys = models.PositiveSmallIntegerField(_("keys"), default=0)
    radios = models.PositiveSmallIntegerField(_("radios"), default=0)
    registers = models.PositiveSmallIntegerField(_("register books"), default=0)
    mail = models.PositiveSmallIntegerField(_("newspapers and letters"), default=0)
    items_note = models.CharField(_("other items"), max_length=500, blank=True)
    carried_hazards = models.JSONField(_("open hazards"), default=list, blank=True)
    carried_visits = models.ManyToManyField(
        "logbook.Visit", verbose_name=_("visitors still on campus"), blank=True, related_name="+"
    )
    follow_ups = models.TextField(_("unfinished matters"), max_length=4000, blank=True)
    cautions = models.TextField(_("cautions"), max_length=4000, blank=True)
    room_tidy = models.BooleanField(_("duty room tidy"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusing"), max_length=2000, blank=True)
    leader_told_at = models.DateTimeField(_("leader told"), null=True, blank=True)
    flagged_at = models.DateTimeField(_("flagged as unacknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover note")
        verbose_name_plural = _("handover notes")
        ordering = ["-handed_over_at", "-pk"]
        constraints = [
            # One live note per outgoing shift; after a refusal a new one may be written.
            models.UniqueConstraint(
                fields=["from_shift"],
                condition=~Q(status="refused"),
                name="handover_one_live_per_shift",
            ),
            models.CheckConstraint(
                condition=~Q(from_shift=models.F("to_shift")), name="handover_to_another_shift"
            ),
            models.CheckConstraint(
                condition=Q(status__in=HandoverStatus.values), name="handover_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="handover_decided_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="handover_refusal_has_reason",
            ),
        ]
        indexes = [
            # The periodic check: pending notes, oldest incoming shift first.
            models.Index(
                fields=["to_shift"], condition=Q(status="pending"), name="handover_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_shift} → {self.to_shift}"

    @property
    def decided(self) -> bool:
        return self.status != HandoverStatus.PENDING

    def equipment(self) -> list[tuple[str, str, bool]]:
        """(label, value label, is ok) for the four checked systems, in form order."""
        rows = []
        for field in ("cctv", "alarm", "gate", "lighting"):
            value = getattr(self, field)
            rows.append(
                (
                    self._meta.get_field(field).verbose_name,
                    Condition(value).label,
                    value == Condition.OK,
                )
            )
        return rows

    def item_counts(self) -> list[tuple[str, int]]:
        return [
            (self._meta.get_field(f).verbose_name, getattr(self, f))
            for f in ("keys", "radios", "registers", "mail")
        ]
