"""Reads for the logbook's hazard sub-domain: the register, the detail page, the panels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from logbook.models import EvidencePhoto, Hazard, HazardEvent, HazardStatus
from logbook.services.hazard import local_date


def get_hazard_for_user(actor, pk: int) -> Hazard:
    """A hazard of the actor's school (staff only), or 404. What the actor may do with it is
    decided by the services (can_manage / can_fix / can_verify)."""
    hazard = (
        Hazard.objects.select_related(
            "school", "found_by", "responsible", "assigned_by", "fixed_by", "verified_by",
            "closed_by", "source_result__round", "source_result__item",
        )
        .filter(pk=pk, school__in=actor.school_ids)
        .first()
    )  # fmt: skip
    if hazard is None or actor.staff is None:
        raise Http404
    return hazard


def hazard_detail(hazard: Hazard) -> dict:
    return {
        "photos": list(EvidencePhoto.objects.filter(hazard=hazard)),
        "events": list(HazardEvent.objects.filter(hazard=hazard).select_related("actor")),
    }


@dataclass
class RegisterFilter:
    year: int | None = None
    status: str = ""
    severity: str = ""
    category: str = ""
    overdue: bool = False
    text: str = ""


def register(*, school, filters: RegisterFilter, now: datetime | None = None) -> QuerySet:
    """The ledger (台账) rows for one school. A year shows that year's hazards plus those of
    earlier years still open at its start (open items carry over)."""
    now = now or timezone.now()
    rows = Hazard.objects.filter(school=school)
    if filters.year:
        carried = Q(year__lt=filters.year) & (
            Q(closed_at__isnull=True) | Q(closed_at__year__gte=filters.year)
        )
        rows = rows.filter(Q(year=filters.year) | carried)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.severity:
        rows = rows.filter(severity=filters.severity)
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.overdue:
        rows = rows.overdue(local_date(now, school))
    text = filters.text.strip()
    if text:
        rows = rows.filter(
            Q(description__icontains=text) | Q(location__icontains=text)
            | Q(department__icontains=text) | Q(responsible__name__icontains=text)
        )  # fmt: skip
    return rows.select_related("found_by", "responsible", "verified_by", "closed_by").order_by(
        "-year", "-number"
    )


def years(school) -> list[int]:
    return sorted(
        set(Hazard.objects.filter(school=school).values_list("year", flat=True)), reverse=True
    )


def export_rows(rows: QuerySet) -> QuerySet:
    return rows.prefetch_related(
        Prefetch("photos", queryset=EvidencePhoto.objects.only("pk", "hazard_id"))
    )


def open_hazards_for_handover(school) -> list:
    """Hazards not yet closed out in ``school``, for the handover's carried items (newest first)."""
    return list(
        Hazard.objects.filter(school=school)
        .not_closed()
        .select_related("responsible")
        .order_by("-found_at", "-pk")
    )


def now_panel(*, actor, shift) -> dict | None:
    """Context for this sub-domain's panel on the "on duty now" page (template
    logbook/hazard/_now_panel.html), or None to show no panel. shift may be None."""
    if actor.staff is None:
        return None
    now = timezone.now()
    if shift is not None and not shift.starts_at <= now < shift.ends_at:
        return None  # one school-wide panel: beside the running shift, not every shift shown
    school = actor.staff.school
    today = local_date(now, school)
    unfixed = Q(status__in=[HazardStatus.OPEN, HazardStatus.ASSIGNED])
    counts = Hazard.objects.filter(school=school).aggregate(
        open=Count("pk", filter=unfixed),
        overdue=Count("pk", filter=unfixed & Q(due_date__lt=today)),
        mine=Count("pk", filter=Q(status=HazardStatus.ASSIGNED, responsible=actor.staff)),
    )
    return {"counts": counts}
