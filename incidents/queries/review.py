"""Reads and permission choke-points for post-incident reports and corrective actions.

Who may do what: the reporter, the leaders on the incident's shift and the office administrator
write the report once the incident is contained; only the school's principal accepts it or sends
it back; anyone who may read the incident reads the report.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.categories import Status
from incidents.models import (
    ActionStatus,
    CorrectiveAction,
    Incident,
    PostIncidentReport,
    ReportStatus,
    ReportVersion,
)
from incidents.queries.incident import get_incident_for_user
from roster.models import Assignment
from staff.models import Role
from staff.queries import Actor

__all__ = [
    "awaiting_report",
    "get_incident_for_user",
    "incident_sections",
    "incidents_awaiting_review",
    "reports_awaiting_review",
]

WRITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)


def is_shift_leader(actor: Actor, incident: Incident) -> bool:
    if actor.staff is None or incident.shift_id is None:
        return False
    return Assignment.objects.filter(
        shift=incident.shift_id, staff=actor.staff, role=Role.LEADER
    ).exists()


def may_write_report(actor: Actor, incident: Incident) -> bool:
    """Who writes the report (not whether it can be written now: see ``report_is_open``)."""
    if actor.staff is None or incident.school_id not in actor.school_ids:
        return False
    return (
        incident.reporter_id == actor.staff.pk
        or actor.can_admin(incident.school_id)
        or is_shift_leader(actor, incident)
    )


def may_review(actor: Actor, incident: Incident) -> bool:
    return (
        actor.staff is not None
        and incident.school_id in actor.school_ids
        and actor.has_any(Role.PRINCIPAL)
    )


def report_is_open(incident: Incident, report: PostIncidentReport | None) -> bool:
    """A report is written once the incident is contained, and edited until submitted."""
    if incident.status != Status.CONTAINED:
        return False
    return report is None or report.status in WRITABLE


def report_for(incident: Incident) -> PostIncidentReport | None:
    return (
        PostIncidentReport.objects.filter(incident=incident)
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ReportVersion.objects.select_related(
                    "submitted_by__staff", "decided_by__staff"
                ),
            ),
            Prefetch("actions", queryset=CorrectiveAction.objects.select_related("owner")),
        )
        .first()
    )


def get_report_for_user(actor: Actor, incident_pk: int, *, action: str = "read") -> tuple:
    """(incident, report or None) for ``action`` in read / write / review; 404 outside the
    actor's reach, 403 for an action their role does not allow."""
    incident = get_incident_for_user(actor, incident_pk)
    report = report_for(incident)
    if action == "write" and not may_write_report(actor, incident):
        raise PermissionDenied
    if action == "review" and not may_review(actor, incident):
        raise PermissionDenied
    return incident, report


def get_action_for_user(actor: Actor, pk: int) -> CorrectiveAction:
    """A corrective action its owner, the report's writers, the principal or the admin may
    mark done."""
    action = (
        CorrectiveAction.objects.select_related("report__incident", "owner")
        .filter(pk=pk, school__in=actor.school_ids)
        .first()
    )
    if action is None or actor.staff is None:
        raise Http404
    incident = action.report.incident
    if not (
        action.owner_id == actor.staff.pk
        or may_review(actor, incident)
        or may_write_report(actor, incident)
    ):
        raise PermissionDenied
    return action


def incident_sections(incident: Incident, actor: Actor) -> dict:
    """Everything ``incidents/review/_incident_sections.html`` shows on the incident page: the
    plan checklist and the post-incident report with its rounds and corrective actions.
    The checklist is attached here if reporting did not attach it (see attach_plan)."""
    from incidents.queries.plans import checklist
    from incidents.services.plans import attach_plan

    plan = checklist(incident)
    if plan is None and incident.status != Status.CLOSED and attach_plan(incident) is not None:
        plan = checklist(incident)
    report = report_for(incident)
    writer = may_write_report(actor, incident)
    reviewer = may_review(actor, incident)
    actions = list(report.actions.all()) if report else []
    today = timezone.localdate()
    for action in actions:
        action.overdue = action.status == ActionStatus.OPEN and action.due_on < today
        action.can_complete = action.status == ActionStatus.OPEN and (
            writer or reviewer or (actor.staff is not None and action.owner_id == actor.staff.pk)
        )
    return {
        "plan": plan,
        "can_tick": plan is not None
        and incident.status != Status.CLOSED
        and _on_scene(actor, incident),
        "report": report,
        "versions": list(report.versions.all()) if report else [],
        "actions": actions,
        "can_write": writer and report_is_open(incident, report),
        "can_review": reviewer and report is not None and report.status == ReportStatus.SUBMITTED,
        "needs_report": report is None or report.status != ReportStatus.ACCEPTED,
    }


def _on_scene(actor: Actor, incident: Incident) -> bool:
    """Plan steps are ticked by the school's staff who handle incidents."""
    return actor.staff is not None and incident.school_id in actor.school_ids


def awaiting_report(school) -> QuerySet[Incident]:
    """Contained incidents whose post-incident report is not written, not yet submitted or sent
    back: the writers owe it."""
    return (
        Incident.objects.filter(school=school, status=Status.CONTAINED)
        .filter(Q(review__isnull=True) | Q(review__status__in=WRITABLE))
        .select_related("reporter")
        .order_by("contained_at", "pk")
    )


def reports_awaiting_review(school) -> QuerySet[PostIncidentReport]:
    """Reports submitted to the principal and not yet decided, oldest first."""
    return (
        PostIncidentReport.objects.filter(school=school, status=ReportStatus.SUBMITTED)
        .select_related("incident", "author__staff")
        .order_by("updated_at", "pk")
    )


def open_actions(school, today: date) -> list[CorrectiveAction]:
    """Corrective actions not yet done, overdue first, each with ``overdue`` set."""
    rows = list(
        CorrectiveAction.objects.filter(school=school, status=ActionStatus.OPEN)
        .select_related("owner", "report__incident")
        .order_by("due_on", "pk")
    )
    for row in rows:
        row.overdue = row.due_on < today
    return rows


def review_queue(actor: Actor, today: date) -> dict:
    """The page of incidents awaiting a report or a review, and the open corrective actions."""
    if actor.staff is None or not actor.has_any(Role.PRINCIPAL, Role.ADMIN, Role.LEADER):
        raise PermissionDenied
    school = actor.staff.school_id
    return {
        "awaiting_report": list(awaiting_report(school)),
        "awaiting_review": list(reports_awaiting_review(school)),
        "open_actions": open_actions(school, today),
    }


def incidents_awaiting_review(*, actor: Actor) -> list[dict]:
    """For the principal's dashboard: incidents owing a post-incident report, then reports
    awaiting the principal, as rows ``{"incident", "label"}``. Two queries."""
    if actor.staff is None or not actor.has_any(Role.PRINCIPAL, Role.ADMIN, Role.LEADER):
        return []
    school = actor.staff.school_id
    rows = [
        {"incident": r.incident, "label": _("Report awaiting review")}
        for r in reports_awaiting_review(school)
    ]
    rows += [{"incident": i, "label": _("Report not yet written")} for i in awaiting_report(school)]
    return rows
