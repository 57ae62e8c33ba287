"""Applying a clean import: the roster's assignments become the file's, in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from roster.excel.common import ImportPlan, ImportResult
from roster.models import Assignment, Roster, RosterChange, RosterStatus
from roster.queries import build_plan
from roster.rules import check
from staff.models import Staff, User


def apply_roster_import(
    *, roster: Roster, plan: ImportPlan, actor: User | None, reason: str = ""
) -> ImportResult:
    """Make the roster's assignments exactly the file's, in one transaction; unchanged duties
    are kept (so their reminders and check-ins stay). Returns the rules engine's violations."""
    from notifications.fanout import notify
    from roster.reminders import schedule_reminders, withdraw_reminders
    from roster.services import RosterError, rule_settings

    if plan.roster_id != roster.pk:
        raise RosterError(_("This import was read for another roster."))
    published = roster.status == RosterStatus.PUBLISHED
    if published and not reason.strip():
        raise RosterError(_("The roster is published: give a reason for the import."))
    wanted = {(d.shift_id, d.staff_id): d.role for d in plan.duties}
    with transaction.atomic(durable=True):
        Roster.objects.select_for_update().filter(pk=roster.pk).first()  # serialise edits
        shift_ids = set(roster.shifts.values_list("pk", flat=True))
        if not {shift_id for shift_id, _staff in wanted} <= shift_ids:
            raise RosterError(
                _("The roster's shifts changed since the file was read; read it again.")
            )
        current = list(
            Assignment.objects.filter(shift__roster=roster).select_related(
                "staff", "shift__shift_type", "shift__roster__school"
            )
        )
        removed = [a for a in current if wanted.get((a.shift_id, a.staff_id)) != a.role]
        kept = {(a.shift_id, a.staff_id) for a in current} - {
            (a.shift_id, a.staff_id) for a in removed
        }
        changes = [
            RosterChange(roster=roster, actor=actor, action=RosterChange.Action.UNASSIGNED,
                         shift_id=a.shift_id, staff_id=a.staff_id, role=a.role, reason=reason,
                         after_publishing=published)
            for a in removed
        ]  # fmt: skip
        Assignment.objects.filter(pk__in=[a.pk for a in removed]).delete()
        added = Assignment.objects.bulk_create(
            [
                Assignment(shift_id=shift_id, staff_id=staff_id, role=role)
                for (shift_id, staff_id), role in wanted.items()
                if (shift_id, staff_id) not in kept
            ]
        )
        changes += [
            RosterChange(roster=roster, actor=actor, action=RosterChange.Action.ASSIGNED,
                         shift_id=a.shift_id, staff_id=a.staff_id, role=a.role, reason=reason,
                         after_publishing=published)
            for a in added
        ]  # fmt: skip
        RosterChange.objects.bulk_create(changes)
        if published and changes:
            for a in removed:
                withdraw_reminders(a.pk)
            fresh = list(
                Assignment.objects.filter(pk__in=[a.pk for a in added]).select_related(
                    "staff", "shift__shift_type", "shift__roster__school"
                )
            )
            schedule_reminders(fresh)
            affected = Staff.objects.filter(
                pk__in={a.staff_id for a in removed} | {a.staff_id for a in added},
                user__isnull=False,
            ).select_related("user")
            batch = max(c.pk or 0 for c in changes) if changes else 0
            notify(
                school=roster.school,
                recipients=[p.user for p in affected],
                event=f"roster:imported:{roster.pk}:{batch}",
                subject=_("Your duties in %(name)s changed") % {"name": roster.name},
                body=reason,
            )
    violations = check(build_plan(roster), rule_settings(roster.school))
    return ImportResult(
        added=len(added), removed=len(removed), kept=len(kept), violations=violations
    )
