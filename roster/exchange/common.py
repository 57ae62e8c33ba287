"""What swaps and leave share: who may act, state transitions, and moving a duty to someone
else after the rules engine has had its say."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.fanout import notify
from roster.models import Assignment, LeaveRequest, Roster, RosterChange, RosterStatus, SwapRequest
from roster.queries import build_plan, rule_settings
from roster.reminders import schedule_reminders, withdraw_reminders
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


def _refuse_new_errors(moves: list[tuple[Assignment, Staff]]) -> None:
    """Raise if moving these duties creates hard errors for the people involved. Errors that
    were there before (e.g. an uncovered shift elsewhere) are not the swap's fault."""
    involved = {a.staff_id for a, _to in moves} | {to.pk for _a, to in moves}
    by_roster: dict[int, list[tuple[Assignment, Staff]]] = defaultdict(list)
    for assignment, to in moves:
        by_roster[assignment.shift.roster_id].append((assignment, to))
    # Every move, also in the neighbouring roster's context: a swap may trade a duty in
    # November's roster for one in December's.
    moved = {(a.shift_id, a.staff_id): to.pk for a, to in moves}

    def after(duties: list[AssignmentInfo]) -> list[AssignmentInfo]:
        return [
            AssignmentInfo(a.shift_id, moved.get((a.shift_id, a.person_id), a.person_id), a.role)
            for a in duties
        ]

    problems: list[str] = []
    for roster_moves in by_roster.values():
        roster = roster_moves[0][0].shift.roster
        plan = build_plan(roster)
        settings = rule_settings(roster.school)
        before = {(v.rule, v.shift_id, v.person_id) for v in check(plan, settings) if v.error}
        plan.assignments = after(plan.assignments)
        plan.context = after(plan.context)
        problems.extend(
            v.message
            for v in check(plan, settings)
            if v.error
            and v.person_id in involved
            and (v.rule, v.shift_id, v.person_id) not in before
        )
    if problems:
        raise ValidationError([_("The rules engine refuses this change:"), *sorted(set(problems))])


def _move(
    assignment: Assignment,
    to: Staff,
    *,
    actor: User,
    reason: str,
    event: str,
    now: datetime | None = None,
) -> None:
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
    schedule_reminders([assignment], now=now)
    label = _label(assignment)
    _notify(roster.school, [old], f"{event}:out:{assignment.pk}",
            _("Duty handed over: %(shift)s is now %(name)s's") % {"shift": label, "name": to.name},
            reason, now=now)  # fmt: skip
    _notify(roster.school, [to], f"{event}:in:{assignment.pk}",
            _("New duty: %(shift)s") % {"shift": label}, reason, now=now)  # fmt: skip


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


def _require_bookable(assignment: Assignment, now: datetime | None = None) -> None:
    shift = assignment.shift
    if shift.roster.status != RosterStatus.PUBLISHED:
        raise ValidationError(_("Only duties in a published roster can be swapped or left."))
    if shift.starts_at <= (now or timezone.now()):
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


def _notify(
    school: School,
    people: Iterable[Staff],
    event: str,
    subject: str,
    body: str = "",
    *,
    now: datetime | None = None,
):
    users = {p.user_id: p for p in people if p.user_id}
    if users:
        notify(school=school, recipients=User.objects.filter(pk__in=users), event=event,
               subject=subject[:200], body=body, now=now)  # fmt: skip


def _reload(obj):
    obj.refresh_from_db(fields=["status", "decided_by", "decided_at", "decision_note"])
    return obj
