"""Swaps (换班): A asks B to take a duty (optionally taking one of B's in return), B accepts,
a duty leader approves when the school requires it."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roster.exchange.common import (
    ON_BEHALF_ROLES,
    SWAP_OPEN,
    SWAP_REASON,
    _advance,
    _label,
    _locked,
    _move,
    _notify,
    _people_with,
    _refuse_new_errors,
    _reload,
    _require_bookable,
    _require_office,
    _require_owner_or_office,
    _school_of,
    _withdraw,
)
from roster.models import Assignment, SwapRequest
from roster.reminders import settings_for
from staff.models import Role, Staff, User
from staff.queries import actor_for


def request_swap(
    *,
    assignment: Assignment,
    colleague: Staff,
    in_return: Assignment | None = None,
    reason: str = "",
    actor: User,
    now: datetime | None = None,
) -> SwapRequest:
    """``now``: the caller's clock (default the real one), for every swap function here."""
    who = actor_for(actor)
    school = _school_of(assignment)
    _require_owner_or_office(who, assignment, ON_BEHALF_ROLES)
    _require_bookable(assignment, now)
    if colleague.school_id != school.pk or not colleague.active:
        raise ValidationError(_("Choose an active colleague of the same school."))
    if colleague.pk == assignment.staff_id:
        raise ValidationError(_("A duty cannot be swapped with its own person."))
    if in_return is not None:
        if in_return.staff_id != colleague.pk:
            raise ValidationError(_("The duty in return must be the colleague's own duty."))
        _require_bookable(in_return, now)
        if in_return.shift_id == assignment.shift_id:
            raise ValidationError(_("Both duties are on the same shift."))
    with transaction.atomic(durable=True):
        if SwapRequest.objects.filter(assignment=assignment, status__in=SWAP_OPEN).exists():
            raise ValidationError(_("This duty already has an open swap request."))
        swap = SwapRequest.objects.create(
            assignment=assignment, requested_by=who.staff or assignment.staff,
            colleague=colleague, in_return=in_return, reason=reason.strip()[:300],
        )  # fmt: skip
        _notify(school, [colleague], f"swap:{swap.pk}:requested",
                _("%(name)s asks you to take over %(shift)s")
                % {"name": assignment.staff.name, "shift": _label(assignment)},
                swap.reason, now=now)  # fmt: skip
    return swap


def respond_swap(
    *, swap: SwapRequest, accept: bool, actor: User, now: datetime | None = None
) -> SwapRequest:
    who = actor_for(actor)
    if who.staff is None or who.staff.pk != swap.colleague_id:
        raise PermissionDenied
    school = _school_of(swap.assignment)
    need_approval = settings_for(school).swaps_need_approval
    now = now or timezone.now()
    S = SwapRequest.Status
    if not accept:
        new, extra = S.DECLINED, {"decided_at": now}
    elif need_approval:
        new, extra = S.ACCEPTED, {}
    else:
        new, extra = S.APPROVED, {"decided_by": actor, "decided_at": now}
    with transaction.atomic(durable=True):
        if not _advance(SwapRequest, swap, S.REQUESTED, new, **extra):
            raise ValidationError(_("This request has already been answered."))
        if new == S.APPROVED:
            _apply_swap(swap, actor=actor, now=now)
        elif new == S.ACCEPTED:
            _notify(school, _people_with(school, Role.LEADER), f"swap:{swap.pk}:accepted",
                    _("A swap waits for your approval: %(shift)s")
                    % {"shift": _label(swap.assignment)}, swap.reason, now=now)  # fmt: skip
        else:
            _notify(school, [swap.requested_by, swap.assignment.staff],
                    f"swap:{swap.pk}:declined",
                    _("%(name)s declined the swap of %(shift)s")
                    % {"name": swap.colleague.name, "shift": _label(swap.assignment)},
                    now=now)  # fmt: skip
    return _reload(swap)


def decide_swap(
    *,
    swap: SwapRequest,
    approve: bool,
    note: str = "",
    actor: User,
    now: datetime | None = None,
) -> SwapRequest:
    school = _school_of(swap.assignment)
    _require_office(actor_for(actor), school)
    S = SwapRequest.Status
    new = S.APPROVED if approve else S.REJECTED
    with transaction.atomic(durable=True):
        if not _advance(SwapRequest, swap, S.ACCEPTED, new, decided_by=actor,
                        decided_at=now or timezone.now(),
                        decision_note=note.strip()[:300]):  # fmt: skip
            raise ValidationError(_("This request is not waiting for approval."))
        if approve:
            _apply_swap(swap, actor=actor, now=now)
        else:
            _notify(school, [swap.requested_by, swap.assignment.staff, swap.colleague],
                    f"swap:{swap.pk}:rejected",
                    _("Swap rejected: %(shift)s") % {"shift": _label(swap.assignment)},
                    note, now=now)  # fmt: skip
    return _reload(swap)


def cancel_swap(*, swap: SwapRequest, actor: User) -> SwapRequest:
    return _withdraw(SwapRequest, swap, SWAP_OPEN, actor=actor)


def _apply_swap(swap: SwapRequest, *, actor: User, now: datetime | None = None) -> None:
    assignment = _locked(swap.assignment)
    owner = assignment.staff
    moves = [(assignment, swap.colleague)]
    if swap.in_return_id:
        back = _locked(swap.in_return)
        if back.staff_id != swap.colleague_id:
            raise ValidationError(_("The duty in return has changed hands; ask again."))
        moves.append((back, owner))
    _refuse_new_errors(moves)
    for moved, to in moves:
        _move(moved, to, actor=actor, reason=SWAP_REASON, event=f"swap:{swap.pk}", now=now)
