"""Leave (请假) for one duty: a reason and a replacement (proposed, or the least-loaded person
the rules engine finds no problem with); approved only once the replacement has accepted; an
unfilled slot is flagged to the office."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roster.exchange.common import (
    LEAVE_OPEN,
    LEAVE_REASON,
    ON_BEHALF_ROLES,
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
from roster.models import Assignment, LeaveRequest
from roster.queries import candidates_for
from staff.models import Role, Staff, User
from staff.queries import actor_for


def request_leave(
    *,
    assignment: Assignment,
    reason: str,
    replacement: Staff | None = None,
    search: bool = True,
    actor: User,
    now: datetime | None = None,
) -> LeaveRequest:
    """``replacement`` None: the engine looks for one (unless ``search`` is False: the person
    leaves it to the office); none found, the slot is flagged to the office at once. ``now``:
    the caller's clock (default the real one), for every leave function here."""
    who = actor_for(actor)
    school = _school_of(assignment)
    _require_owner_or_office(who, assignment, ON_BEHALF_ROLES)
    _require_bookable(assignment, now)
    if not reason.strip():
        raise ValidationError(_("Give a reason for the leave."))
    if replacement is not None and (
        replacement.school_id != school.pk
        or not replacement.active
        or replacement.pk == assignment.staff_id
    ):
        raise ValidationError(_("Choose an active colleague of the same school as replacement."))
    if replacement is None and search:
        replacement = _find_replacement(assignment)
    status = LeaveRequest.Status.REQUESTED if replacement else LeaveRequest.Status.UNFILLED
    with transaction.atomic(durable=True):
        if LeaveRequest.objects.filter(assignment=assignment, status__in=LEAVE_OPEN).exists():
            raise ValidationError(_("This duty already has an open leave request."))
        leave = LeaveRequest.objects.create(
            assignment=assignment, requested_by=who.staff or assignment.staff,
            reason=reason.strip()[:300], replacement=replacement, status=status,
        )  # fmt: skip
        if replacement is None:
            _tell_admins_unfilled(leave, now)
        else:
            _notify(school, [replacement], f"leave:{leave.pk}:requested",
                    _("%(name)s asks you to cover %(shift)s (leave)")
                    % {"name": assignment.staff.name, "shift": _label(assignment)},
                    leave.reason, now=now)  # fmt: skip
    return leave


def respond_leave(
    *, leave: LeaveRequest, accept: bool, actor: User, now: datetime | None = None
) -> LeaveRequest:
    who = actor_for(actor)
    if who.staff is None or who.staff.pk != leave.replacement_id:
        raise PermissionDenied
    school = _school_of(leave.assignment)
    L = LeaveRequest.Status
    with transaction.atomic(durable=True):
        if not _advance(LeaveRequest, leave, L.REQUESTED, L.ACCEPTED if accept else L.DECLINED):
            raise ValidationError(_("This request has already been answered."))
        if accept:
            _notify(school, _people_with(school, Role.LEADER, Role.ADMIN),
                    f"leave:{leave.pk}:accepted",
                    _("Leave waits for your approval: %(shift)s")
                    % {"shift": _label(leave.assignment)}, leave.reason, now=now)  # fmt: skip
        else:
            _notify(school, [leave.requested_by, leave.assignment.staff,
                             *_people_with(school, Role.ADMIN)],
                    f"leave:{leave.pk}:declined",
                    _("%(name)s cannot cover %(shift)s; the leave needs another replacement")
                    % {"name": leave.replacement.name, "shift": _label(leave.assignment)},
                    leave.reason, now=now)  # fmt: skip
    return _reload(leave)


def decide_leave(
    *,
    leave: LeaveRequest,
    approve: bool,
    note: str = "",
    actor: User,
    now: datetime | None = None,
) -> LeaveRequest:
    school = _school_of(leave.assignment)
    _require_office(actor_for(actor), school)
    L = LeaveRequest.Status
    new, old = (L.APPROVED, L.ACCEPTED) if approve else (L.REJECTED, LEAVE_OPEN)
    with transaction.atomic(durable=True):
        if not _advance(LeaveRequest, leave, old, new, decided_by=actor,
                        decided_at=now or timezone.now(),
                        decision_note=note.strip()[:300]):  # fmt: skip
            raise ValidationError(
                _("Only leave whose replacement has accepted can be approved.")
                if approve
                else _("This request is no longer open.")
            )
        if approve:
            assignment = _locked(leave.assignment)
            _refuse_new_errors([(assignment, leave.replacement)])
            _move(assignment, leave.replacement, actor=actor, reason=LEAVE_REASON,
                  event=f"leave:{leave.pk}", now=now)  # fmt: skip
        else:
            _notify(school, [leave.requested_by, leave.assignment.staff],
                    f"leave:{leave.pk}:rejected",
                    _("Leave rejected: %(shift)s") % {"shift": _label(leave.assignment)},
                    note, now=now)  # fmt: skip
    return _reload(leave)


def cancel_leave(*, leave: LeaveRequest, actor: User) -> LeaveRequest:
    return _withdraw(LeaveRequest, leave, LEAVE_OPEN, actor=actor)


def _find_replacement(assignment: Assignment) -> Staff | None:
    """The least-loaded qualified person the rules engine finds no problem with."""
    shift = assignment.shift
    for row in candidates_for(shift.roster, shift, assignment.role):
        if not row["problems"] and row["staff"].pk != assignment.staff_id:
            return row["staff"]
    return None


def _tell_admins_unfilled(leave: LeaveRequest, now: datetime | None = None) -> None:
    school = _school_of(leave.assignment)
    _notify(school, _people_with(school, Role.ADMIN), f"leave:{leave.pk}:unfilled",
            _("Open duty slot: %(shift)s (%(name)s is on leave, no replacement found)")
            % {"shift": _label(leave.assignment), "name": leave.assignment.staff.name},
            leave.reason, now=now)  # fmt: skip
