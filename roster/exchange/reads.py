"""Reads for swaps and leave: the choke-points that fetch a request or a duty for a user, and
the page lists (each in a fixed number of queries)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from roster.exchange.common import OFFICE_ROLES, ON_BEHALF_ROLES, _require_owner_or_office
from roster.models import Assignment, LeaveRequest, RosterStatus, SwapRequest
from staff.models import Staff
from staff.queries import Actor

_SWAP_RELATED = ("assignment__shift__shift_type", "assignment__shift__roster__school",
                 "assignment__staff", "colleague", "requested_by",
                 "in_return__shift__shift_type")  # fmt: skip
_LEAVE_RELATED = ("assignment__shift__shift_type", "assignment__shift__roster__school",
                  "assignment__staff", "replacement", "requested_by")  # fmt: skip


def get_duty_for_user(actor: Actor, pk: int) -> Assignment:
    """A duty the actor may ask a swap or leave for: their own, or any (admin, leader)."""
    assignment = (
        Assignment.objects.select_related("shift__shift_type", "shift__roster__school", "staff")
        .filter(pk=pk, shift__roster__school__in=actor.school_ids)
        .exclude(shift__roster__status=RosterStatus.DRAFT)
        .first()
    )
    if assignment is None:
        raise Http404
    _require_owner_or_office(actor, assignment, ON_BEHALF_ROLES)
    return assignment


def get_swap_for_user(actor: Actor, pk: int, *, action: str = "view") -> SwapRequest:
    """``action``: "respond" (the colleague), "decide" (the office), "cancel" (the
    requester), or "view" (any of them)."""
    swap = (
        SwapRequest.objects.select_related(*_SWAP_RELATED)
        .filter(pk=pk, assignment__shift__roster__school__in=actor.school_ids)
        .first()
    )
    if swap is None:
        raise Http404
    me = actor.staff.pk if actor.staff else None
    allowed = {
        "respond": me == swap.colleague_id,
        "decide": actor.has_any(*OFFICE_ROLES),
        "cancel": me in {swap.requested_by_id, swap.assignment.staff_id},
    }
    allowed["view"] = any(allowed.values())
    if not allowed[action]:
        raise PermissionDenied
    return swap


def get_leave_for_user(actor: Actor, pk: int, *, action: str = "view") -> LeaveRequest:
    leave = (
        LeaveRequest.objects.select_related(*_LEAVE_RELATED)
        .filter(pk=pk, assignment__shift__roster__school__in=actor.school_ids)
        .first()
    )
    if leave is None:
        raise Http404
    me = actor.staff.pk if actor.staff else None
    allowed = {
        "respond": me is not None and me == leave.replacement_id,
        "decide": actor.has_any(*OFFICE_ROLES),
        "cancel": me in {leave.requested_by_id, leave.assignment.staff_id},
    }
    allowed["view"] = any(allowed.values())
    if not allowed[action]:
        raise PermissionDenied
    return leave


def my_requests(staff: Staff) -> dict[str, QuerySet]:
    """Swaps and leave this person asked for, is the subject of, or must answer."""
    # The person's duties as a subquery, not an OR across joins: every relation here is a
    # foreign key (one row per request, no DISTINCT needed), and OR-ed outer joins let
    # PostgreSQL's planner pick plans that took minutes on a seeded demo.
    duties = Assignment.objects.filter(staff=staff).values("pk")
    mine = Q(requested_by=staff) | Q(assignment__in=duties)
    return {
        "swaps": SwapRequest.objects.filter(
            mine | Q(colleague=staff) | Q(in_return__in=duties)
        ).select_related(*_SWAP_RELATED),
        "leaves": LeaveRequest.objects.filter(mine | Q(replacement=staff)).select_related(
            *_LEAVE_RELATED
        ),
    }


def pending_approvals(actor: Actor) -> dict[str, QuerySet]:
    if not actor.has_any(*OFFICE_ROLES):
        raise PermissionDenied
    where = Q(assignment__shift__roster__school__in=actor.school_ids)
    return {
        "swaps": SwapRequest.objects.filter(
            where, status=SwapRequest.Status.ACCEPTED
        ).select_related(*_SWAP_RELATED),
        "leaves": LeaveRequest.objects.filter(
            where, status__in=[LeaveRequest.Status.ACCEPTED, LeaveRequest.Status.UNFILLED]
        ).select_related(*_LEAVE_RELATED),
    }


def swap_colleagues(assignment: Assignment) -> QuerySet:
    """Active staff of the same school qualified for the duty's role, except its person."""
    return (
        Staff.objects.filter(
            school=assignment.shift.roster.school_id, active=True, roles__role=assignment.role
        )
        .exclude(pk=assignment.staff_id)
        .distinct()
        .order_by("name")
    )


def duties_in_return(assignment: Assignment) -> QuerySet:
    """Colleagues' future published duties that could be offered in return."""
    return (
        Assignment.objects.filter(
            shift__roster__school=assignment.shift.roster.school_id,
            shift__roster__status=RosterStatus.PUBLISHED,
            shift__starts_at__gt=timezone.now(),
        )
        .exclude(staff=assignment.staff_id)
        .exclude(shift=assignment.shift_id)
        .select_related("staff", "shift__shift_type")
        .order_by("shift__starts_at", "staff__name")
    )
