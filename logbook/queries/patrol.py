"""Reads for the logbook's patrol sub-domain, and its permission choke-points."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from logbook.models import (
    Checkpoint,
    EvidencePhoto,
    PatrolItem,
    PatrolResult,
    PatrolRound,
    PatrolScan,
)
from logbook.services.patrol import OPENS_BEFORE
from roster.models import Assignment
from staff.models import Role

ROUND_READERS = (Role.ADMIN, Role.LEADER, Role.PRINCIPAL)  # besides the person who patrolled


def get_checkpoint_for_user(actor, pk: int, *, write: bool = False) -> Checkpoint:
    checkpoint = Checkpoint.objects.filter(pk=pk, school__in=actor.school_ids).first()
    if checkpoint is None or actor.staff is None:
        raise Http404
    if write and not actor.can_admin(checkpoint.school_id):
        raise PermissionDenied
    return checkpoint


def get_item_for_user(actor, pk: int, *, write: bool = False) -> PatrolItem:
    item = (
        PatrolItem.objects.select_related("checkpoint")
        .filter(pk=pk, checkpoint__school__in=actor.school_ids)
        .first()
    )
    if item is None or actor.staff is None:
        raise Http404
    if write and not actor.can_admin(item.checkpoint.school_id):
        raise PermissionDenied
    return item


def get_round_for_user(actor, pk: int, *, write: bool = False) -> PatrolRound:
    patrol = (
        PatrolRound.objects.select_related("school", "shift__shift_type", "started_by")
        .filter(pk=pk, school__in=actor.school_ids)
        .first()
    )
    if patrol is None or actor.staff is None:
        raise Http404
    own = patrol.started_by_id == actor.staff.pk
    if write and not own:
        raise PermissionDenied
    if not (own or actor.has_any(*ROUND_READERS)):
        raise PermissionDenied
    return patrol


def get_result_for_user(actor, pk: int) -> PatrolResult:
    result = (
        PatrolResult.objects.select_related("round__school", "item__checkpoint")
        .filter(pk=pk, round__school__in=actor.school_ids)
        .first()
    )
    if result is None or actor.staff is None:
        raise Http404
    if result.round.started_by_id != actor.staff.pk and not actor.has_any(*ROUND_READERS):
        raise PermissionDenied
    return result


def get_photo_for_user(actor, pk: int) -> EvidencePhoto:
    """Photos are shown to the school's staff only; another school's photo is a 404."""
    photo = EvidencePhoto.objects.filter(pk=pk, school__in=actor.school_ids).first()
    if photo is None or actor.staff is None:
        raise Http404
    return photo


def checklist_page(school) -> list[Checkpoint]:
    """Every checkpoint of the school with its items: two queries however many there are."""
    items = PatrolItem.objects.order_by("order", "pk")
    return list(
        Checkpoint.objects.filter(school=school)
        .order_by("-active", "order", "pk")
        .prefetch_related(Prefetch("items", queryset=items))
    )


def active_checkpoints(school) -> list[Checkpoint]:
    return list(Checkpoint.objects.filter(school=school, active=True).order_by("order", "pk"))


def round_page(patrol: PatrolRound) -> dict:
    """The round's due items grouped by checkpoint, each with its result (and photos and
    hazard), plus the QR scans: a fixed number of queries."""
    items = {
        i.pk: i
        for i in PatrolItem.objects.filter(pk__in=patrol.due_item_ids).select_related("checkpoint")
    }
    results = {
        r.item_id: r
        for r in PatrolResult.objects.filter(round=patrol)
        .select_related("hazard")
        .prefetch_related("photos")
    }
    scans = list(PatrolScan.objects.filter(round=patrol).select_related("checkpoint"))
    last_scan = {s.checkpoint_id: s for s in scans}
    groups: dict[int, dict] = {}
    ordered = sorted(
        items.values(), key=lambda i: (i.checkpoint.order, i.checkpoint_id, i.order, i.pk)
    )
    for item in ordered:
        group = groups.setdefault(
            item.checkpoint_id,
            {"checkpoint": item.checkpoint, "rows": [], "scan": last_scan.get(item.checkpoint_id)},
        )
        group["rows"].append({"item": item, "result": results.get(item.pk)})
    recorded = sum(1 for pk in items if pk in results)
    return {
        "groups": list(groups.values()),
        "scans": scans,
        "recorded": recorded,
        "due": len(items),
        "percent": round(100 * recorded / len(items)) if items else 100,
        "problems": sum(1 for r in results.values() if r.status == "problem"),
    }


def completion_by_shift(shift_ids: Iterable[int]) -> dict[int, dict]:
    """Per shift: rounds, items recorded, items due, problems — for the daily report. Two
    queries for any number of shifts."""
    rounds = list(PatrolRound.objects.filter(shift_id__in=list(shift_ids)))
    recorded: dict[int, set[int]] = defaultdict(set)
    problems: dict[int, int] = defaultdict(int)
    for round_id, item_id, status in PatrolResult.objects.filter(round__in=rounds).values_list(
        "round_id", "item_id", "status"
    ):
        recorded[round_id].add(item_id)
        problems[round_id] += status == "problem"
    out: dict[int, dict] = {}
    for r in rounds:
        row = out.setdefault(r.shift_id, {"rounds": 0, "recorded": 0, "due": 0, "problems": 0})
        row["rounds"] += 1
        row["due"] += len(r.due_item_ids)
        row["recorded"] += len(recorded[r.pk].intersection(r.due_item_ids))
        row["problems"] += problems[r.pk]
    return out


def now_panel(*, actor, shift) -> dict | None:
    """Context for this sub-domain's panel on the "on duty now" page (template
    logbook/patrol/_now_panel.html), or None to show no panel. shift may be None."""
    if actor.staff is None:
        return None
    open_round = (
        PatrolRound.objects.select_related("shift__shift_type")
        .filter(started_by=actor.staff, finished_at__isnull=True)
        .first()
    )
    now = timezone.now()
    on_duty = (
        shift is not None
        and shift.starts_at - OPENS_BEFORE <= now < shift.ends_at
        and Assignment.objects.filter(shift=shift, staff=actor.staff).exists()
    )
    if open_round is None and not on_duty:
        return None
    rounds = []
    if shift is not None:
        rounds = list(
            PatrolRound.objects.filter(shift=shift).select_related("started_by").order_by("pk")
        )
        recorded = _recorded_counts(rounds)
        for r in rounds:
            r.recorded = recorded.get(r.pk, 0)
            r.due = len(r.due_item_ids)
    return {
        "shift": shift,
        "open_round": open_round,
        "can_start": on_duty and open_round is None,
        "rounds": rounds,
    }


def _recorded_counts(rounds: list[PatrolRound]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    due = {r.pk: set(r.due_item_ids) for r in rounds}
    for round_id, item_id in PatrolResult.objects.filter(round__in=rounds).values_list(
        "round_id", "item_id"
    ):
        counts[round_id] += item_id in due[round_id]
    return counts
