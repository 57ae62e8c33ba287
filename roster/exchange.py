"""Swaps (换班) and leave (请假) for single duties: every write, and the choke-points that fetch
requests for a user.

A duty changes hands by updating its Assignment in place (the open request points at it), with
an UNASSIGNED + ASSIGNED pair of RosterChange rows, reminders moved to the new person, and both
people told. Every move is re-checked with the one rules engine first and refused if it creates
a hard error for someone involved. State transitions are conditional UPDATEs: a second click
(or a second tab) finds the row already moved on and changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.fanout import notify
from roster.models import (
    Assignment,
    LeaveRequest,
    Roster,
    RosterChange,
    RosterStatus,
    SwapRequest,
)
from roster.queries import build_plan, candidates_for, rule_settings
from roster.reminders import schedule_reminders, settings_for, withdraw_reminders
from roster.rules import AssignmentInfo, check
from staff.models import Role, School, Staff, User
from staff.queries import Actor, actor_for

OFFICE_ROLES = (Role.ADMIN, Role.PRINCIPAL, Role.LEADER)  # may decide requests
ON_BEHALF_ROLES = (Role.ADMIN, Role.LEADER)  # may ask on someone's behalf
SWAP_OPEN = (SwapRequest.Status.REQUESTED, SwapRequest.Status.ACCEPTED)
LEAVE_OPEN = (
    LeaveRequest.Status.REQUESTED,
    LeaveRequest.Status.ACCEPTED,
    LeaveRequest.Status.UNFILLED,
)
SWAP_REASON = "换班"
LEAVE_REASON = "请假"


# ---- swaps ------------------------------------------------------------------------------------


def request_swap(
    *,
    assignment: Assignment,
    colleague: Staff,
    in_return: Assignment | None = None,
    reason: str = "",
    actor: User,
) -> SwapRequest:
    who = actor_for(actor)
    school = _school_of(assignment)
    _require_owner_or_office(who, assignment, ON_BEHALF_ROLES)
    _require_bookable(assignment)
    if colleague.school_id != school.pk or not colleague.active:
        raise ValidationError(_("Choose an active colleague of the same school."))
    if colleague.pk == assignment.staff_id:
        raise ValidationError(_("A duty cannot be swapped with its own person."))
    if in_return is not None:
        if in_return.staff_id != colleague.pk:
            raise ValidationError(_("The duty in return must be the colleague's own duty."))
        _require_bookable(in_return)
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
                swap.reason)  # fmt: skip
    return swap


def respond_swap(*, swap: SwapRequest, accept: bool, actor: User) -> SwapRequest:
    who = actor_for(actor)
    if who.staff is None or who.staff.pk != swap.colleague_id:
        raise PermissionDenied
    school = _school_of(swap.assignment)
    need_approval = settings_for(school).swaps_need_approval
    now = timezone.now()
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
            _apply_swap(swap, actor=actor)
        elif new == S.ACCEPTED:
            _notify(school, _people_with(school, Role.LEADER), f"swap:{swap.pk}:accepted",
                    _("A swap waits for your approval: %(shift)s")
                    % {"shift": _label(swap.assignment)}, swap.reason)  # fmt: skip
        else:
            _notify(school, [swap.requested_by, swap.assignment.staff],
                    f"swap:{swap.pk}:declined",
                    _("%(name)s declined the swap of %(shift)s")
                    % {"name": swap.colleague.name, "shift": _label(swap.assignment)})  # fmt: skip
    return _reload(swap)


def decide_swap(*, swap: SwapRequest, approve: bool, note: str = "", actor: User) -> SwapRequest:
    school = _school_of(swap.assignment)
    _require_office(actor_for(actor), school)
    S = SwapRequest.Status
    new = S.APPROVED if approve else S.REJECTED
    with transaction.atomic(durable=True):
        if not _advance(SwapRequest, swap, S.ACCEPTED, new, decided_by=actor,
                        decided_at=timezone.now(), decision_note=note.strip()[:300]):  # fmt: skip
            raise ValidationError(_("This request is not waiting for approval."))
        if approve:
            _apply_swap(swap, actor=actor)
        else:
            _notify(school, [swap.requested_by, swap.assignment.staff, swap.colleague],
                    f"swap:{swap.pk}:rejected",
                    _("Swap rejected: %(shift)s") % {"shift": _label(swap.assignment)},
                    note)  # fmt: skip
    return _reload(swap)


def cancel_swap(*, swap: SwapRequest, actor: User) -> SwapRequest:
    return _withdraw(SwapRequest, swap, SWAP_OPEN, actor=actor)


def _withdraw(model, request, open_states, *, actor: User):
    """The asker (or the duty's person) withdraws a request that is still open."""
    who = actor_for(actor)
    if who.staff is None or who.staff.pk not in {
        request.requested_by_id,
        request.assignment.staff_id,
    }:
        raise PermissionDenied
    with transaction.atomic(durable=True):
        if not _advance(model, request, open_states, model.Status.CANCELLED):
            raise ValidationError(_("This request is no longer open."))
    return _reload(request)


def _apply_swap(swap: SwapRequest, *, actor: User) -> None:
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
        _move(moved, to, actor=actor, reason=SWAP_REASON, event=f"swap:{swap.pk}")


# ---- leave ------------------------------------------------------------------------------------


def request_leave(
    *, assignment: Assignment, reason: str, replacement: Staff | None = None, actor: User
) -> LeaveRequest:
    who = actor_for(actor)
    school = _school_of(assignment)
    _require_owner_or_office(who, assignment, ON_BEHALF_ROLES)
    _require_bookable(assignment)
    if not reason.strip():
        raise ValidationError(_("Give a reason for the leave."))
    if replacement is not None and (
        replacement.school_id != school.pk
        or not replacement.active
        or replacement.pk == assignment.staff_id
    ):
        raise ValidationError(_("Choose an active colleague of the same school as replacement."))
    if replacement is None:
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
            _tell_admins_unfilled(leave)
        else:
            _notify(school, [replacement], f"leave:{leave.pk}:requested",
                    _("%(name)s asks you to cover %(shift)s (leave)")
                    % {"name": assignment.staff.name, "shift": _label(assignment)},
                    leave.reason)  # fmt: skip
    return leave


def respond_leave(*, leave: LeaveRequest, accept: bool, actor: User) -> LeaveRequest:
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
                    % {"shift": _label(leave.assignment)}, leave.reason)  # fmt: skip
        else:
            _notify(school, [leave.requested_by, leave.assignment.staff,
                             *_people_with(school, Role.ADMIN)],
                    f"leave:{leave.pk}:declined",
                    _("%(name)s cannot cover %(shift)s; the leave needs another replacement")
                    % {"name": leave.replacement.name, "shift": _label(leave.assignment)},
                    leave.reason)  # fmt: skip
    return _reload(leave)


def decide_leave(
    *, leave: LeaveRequest, approve: bool, note: str = "", actor: User
) -> LeaveRequest:
    school = _school_of(leave.assignment)
    _require_office(actor_for(actor), school)
    L = LeaveRequest.Status
    new, old = (L.APPROVED, L.ACCEPTED) if approve else (L.REJECTED, LEAVE_OPEN)
    with transaction.atomic(durable=True):
        if not _advance(LeaveRequest, leave, old, new, decided_by=actor,
                        decided_at=timezone.now(), decision_note=note.strip()[:300]):  # fmt: skip
            raise ValidationError(
                _("Only leave whose replacement has accepted can be approved.")
                if approve
                else _("This request is no longer open.")
            )
        if approve:
            assignment = _locked(leave.assignment)
            _refuse_new_errors([(assignment, leave.replacement)])
            _move(assignment, leave.replacement, actor=actor, reason=LEAVE_REASON,
                  event=f"leave:{leave.pk}")  # fmt: skip
        else:
            _notify(school, [leave.requested_by, leave.assignment.staff],
                    f"leave:{leave.pk}:rejected",
                    _("Leave rejected: %(shift)s") % {"shift": _label(leave.assignment)},
                    note)  # fmt: skip
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


def _tell_admins_unfilled(leave: LeaveRequest) -> None:
    school = _school_of(leave.assignment)
    _notify(school, _people_with(school, Role.ADMIN), f"leave:{leave.pk}:unfilled",
            _("Open duty slot: %(shift)s (%(name)s is on leave, no replacement found)")
            % {"shift": _label(leave.assignment), "name": leave.assignment.staff.name},
            leave.reason)  # fmt: skip


# ---- moving a duty ---------------------------------------------------------------------------


def _refuse_new_errors(moves: list[tuple[Assignment, Staff]]) -> None:
    """Raise if moving these duties creates hard errors for the people involved. Errors that
    were there before (e.g. an uncovered shift elsewhere) are not the swap's fault."""
    involved = {a.staff_id for a, _to in moves} | {to.pk for _a, to in moves}
    by_roster: dict[int, list[tuple[Assignment, Staff]]] = defaultdict(list)
    for assignment, to in moves:
        by_roster[assignment.shift.roster_id].append((assignment, to))
    problems: list[str] = []
    for roster_moves in by_roster.values():
        roster = roster_moves[0][0].shift.roster
        plan = build_plan(roster)
        settings = rule_settings(roster.school)
        before = {(v.rule, v.shift_id, v.person_id) for v in check(plan, settings) if v.error}
        moved = {(a.shift_id, a.staff_id): to.pk for a, to in roster_moves}
        plan.assignments = [
            AssignmentInfo(a.shift_id, moved.get((a.shift_id, a.person_id), a.person_id), a.role)
            for a in plan.assignments
        ]
        problems.extend(
            v.message
            for v in check(plan, settings)
            if v.error
            and v.person_id in involved
            and (v.rule, v.shift_id, v.person_id) not in before
        )
    if problems:
        raise ValidationError([_("The rules engine refuses this change:"), *sorted(set(problems))])


def _move(assignment: Assignment, to: Staff, *, actor: User, reason: str, event: str) -> None:
    shift = assignment.shift
    roster = shift.roster
    old = assignment.staff
    if Assignment.objects.filter(shift=shift, staff=to).exists():
        raise ValidationError(_("%(name)s is already on this shift.") % {"name": to.name})
    published = roster.status == RosterStatus.PUBLISHED
    common = {"roster": roster, "actor": actor, "shift": shift, "role": assignment.role,
              "reason": reason, "after_publishing": published}  # fmt: skip
    RosterChange.objects.bulk_create([
        RosterChange(action=RosterChange.Action.UNASSIGNED, staff=old, **common),
        RosterChange(action=RosterChange.Action.ASSIGNED, staff=to, **common),
    ])  # fmt: skip
    withdraw_reminders(assignment.pk)
    assignment.staff = to
    assignment.save(update_fields=["staff"])
    schedule_reminders([assignment])
    label = _label(assignment)
    _notify(roster.school, [old], f"{event}:out:{assignment.pk}",
            _("Duty handed over: %(shift)s is now %(name)s's") % {"shift": label, "name": to.name},
            reason)  # fmt: skip
    _notify(roster.school, [to], f"{event}:in:{assignment.pk}",
            _("New duty: %(shift)s") % {"shift": label}, reason)  # fmt: skip


# ---- helpers ---------------------------------------------------------------------------------


def _advance(model, obj, old, new: str, **fields) -> bool:
    """Move ``obj`` from ``old`` (a status or a tuple of them) to ``new`` if no one beat us."""
    olds = old if isinstance(old, tuple) else (old,)
    changed = model.objects.filter(pk=obj.pk, status__in=olds).update(status=new, **fields)
    return changed == 1


def _locked(assignment: Assignment) -> Assignment:
    # Serialise with the editor, which locks the roster row for every change.
    Roster.objects.select_for_update().filter(pk=assignment.shift.roster_id).first()
    return Assignment.objects.select_related(
        "staff__user", "shift__shift_type", "shift__roster__school"
    ).get(pk=assignment.pk)


def _require_bookable(assignment: Assignment) -> None:
    shift = assignment.shift
    if shift.roster.status != RosterStatus.PUBLISHED:
        raise ValidationError(_("Only duties in a published roster can be swapped or left."))
    if shift.starts_at <= timezone.now():
        raise ValidationError(_("This duty has already started."))


def _require_owner_or_office(who: Actor, assignment: Assignment, roles: Iterable[str]) -> None:
    school_id = assignment.shift.roster.school_id
    if school_id not in who.school_ids:
        raise Http404
    own = who.staff is not None and who.staff.pk == assignment.staff_id
    if not own and not who.has_any(*roles):
        raise PermissionDenied


def _require_office(who: Actor, school: School) -> None:
    if school.pk not in who.school_ids:
        raise Http404
    if not who.has_any(*OFFICE_ROLES):
        raise PermissionDenied


def _school_of(assignment: Assignment) -> School:
    return assignment.shift.roster.school


def _label(assignment: Assignment) -> str:
    shift = assignment.shift
    local = timezone.localtime(shift.starts_at)
    return f"{shift.date:%Y-%m-%d} {shift.shift_type.name} {local:%H:%M}"


def _people_with(school: School, *roles: str) -> list[Staff]:
    return list(Staff.objects.filter(school=school, active=True, roles__role__in=roles).distinct())


def _notify(school: School, people: Iterable[Staff], event: str, subject: str, body: str = ""):
    users = {p.user_id: p for p in people if p.user_id}
    if users:
        notify(school=school, recipients=User.objects.filter(pk__in=users), event=event,
               subject=subject[:200], body=body)  # fmt: skip


def _reload(obj):
    obj.refresh_from_db(fields=["status", "decided_by", "decided_at", "decision_note"])
    return obj


# ---- reads: choke-points and page lists ------------------------------------------------------

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
    mine = Q(requested_by=staff) | Q(assignment__staff=staff)
    return {
        "swaps": SwapRequest.objects.filter(mine | Q(colleague=staff) | Q(in_return__staff=staff))
        .select_related(*_SWAP_RELATED)
        .distinct(),
        "leaves": LeaveRequest.objects.filter(mine | Q(replacement=staff))
        .select_related(*_LEAVE_RELATED)
        .distinct(),
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
