"""Reads and permission choke-points for incidents: who may read, edit, acknowledge; the list,
the principal's dashboard and the timeline.

Who reads an incident: the school's leaders, principal and office (admin) read all of it; any
other staff member reads the ones they reported or that happened on a shift they were on; a
bureau official reads an incident of its schools only once an escalation step told the bureau.
Everyone else gets 404, so ids reveal nothing. Editing is for the reporter, the shift's leaders
and the principal; acknowledging and moving the status for the school's leaders and principal.
``people_hurt`` (minors' names and injuries) is shown to the reporter, leaders, principal,
admin and the bureau (which only ever sees escalated incidents).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.categories import Severity, Status
from incidents.models import EventKind, Incident, IncidentEscalation, IncidentEvent
from notifications.models import EscalationEvent, Notice
from roster.models import Assignment
from staff.models import Role

SCHOOL_READERS = (Role.LEADER, Role.PRINCIPAL, Role.ADMIN)
MANAGERS = (Role.LEADER, Role.PRINCIPAL)
PERSONAL_DATA_ROLES = (Role.LEADER, Role.PRINCIPAL, Role.ADMIN)
MASK = "•••"
CHANNELS = {
    "inapp": gettext_lazy("in-app inbox"),
    "email": gettext_lazy("email"),
    "sms": gettext_lazy("SMS"),
}


def bureau_escalated() -> Exists:
    """True for incidents whose bureau step has run (one subquery, no per-row queries)."""
    links = IncidentEscalation.objects.filter(
        incident=OuterRef("pk"), bureau_step__isnull=False
    ).filter(
        Exists(
            EscalationEvent.objects.filter(
                escalation=OuterRef("escalation"), kind="step", step=OuterRef("bureau_step")
            )
        )
    )
    return Exists(links)


def incidents_for(actor) -> QuerySet[Incident]:
    """Every incident ``actor`` may read."""
    rows = Incident.objects.filter(school__in=actor.school_ids)
    if actor.is_bureau:
        return rows.filter(bureau_escalated())
    if actor.staff is None:
        return rows.none()
    if actor.has_any(*SCHOOL_READERS):
        return rows
    on_shift = Assignment.objects.filter(shift=OuterRef("shift"), staff=actor.staff)
    return rows.filter(Q(reporter=actor.staff) | Exists(on_shift))


def _is_shift_leader(actor, incident: Incident) -> bool:
    return bool(
        actor.staff
        and incident.shift_id
        and Assignment.objects.filter(
            shift_id=incident.shift_id, staff=actor.staff, role=Role.LEADER
        ).exists()
    )


def can_edit(actor, incident: Incident) -> bool:
    if actor.staff is None or actor.staff.school_id != incident.school_id:
        return False
    return (
        incident.reporter_id == actor.staff.pk
        or actor.has_any(Role.PRINCIPAL)
        or _is_shift_leader(actor, incident)
    )


def can_manage(actor, incident: Incident) -> bool:
    """Acknowledge ("I am handling it") and move the status."""
    if actor.staff is None or actor.staff.school_id != incident.school_id:
        return False
    return actor.has_any(*MANAGERS) or _is_shift_leader(actor, incident)


def can_see_personal(actor, incident: Incident) -> bool:
    if actor.is_bureau:
        return True  # it reads only incidents escalated to it
    if actor.staff is None or actor.staff.school_id != incident.school_id:
        return False
    return incident.reporter_id == actor.staff.pk or actor.has_any(*PERSONAL_DATA_ROLES)


def get_incident_for_user(actor, pk: int, *, write: bool = False) -> Incident:
    incident = (
        incidents_for(actor)
        .select_related("school", "reporter", "shift__shift_type", "acknowledged_by__staff")
        .filter(pk=pk)
        .first()
    )
    if incident is None:
        raise Http404
    if write and not can_edit(actor, incident):
        raise PermissionDenied
    return incident


# --- list and dashboard ----------------------------------------------------------------------


def incident_list(actor, *, status: str = "", severity: str = "", category: str = "", q: str = ""):
    rows = incidents_for(actor)
    if status == "open":
        rows = rows.exclude(status=Status.CLOSED)
    elif status:
        rows = rows.filter(status=status)
    if severity:
        rows = rows.filter(severity=severity)
    if category:
        rows = rows.filter(category=category)
    if q.strip():
        rows = rows.filter(Q(location__icontains=q.strip()) | Q(summary__icontains=q.strip()))
    return rows.select_related("reporter", "school").order_by("-occurred_at", "-pk")


def _minutes(delta: timedelta) -> int:
    return round(delta.total_seconds() / 60)


def dashboard(actor, *, now: datetime | None = None) -> dict:
    """Open incidents by severity and age, time to acknowledge and to contain over the last
    90 days, and the incidents waiting for a post-incident report or its review."""
    now = now or timezone.now()
    rows = incidents_for(actor)
    open_rows = list(
        rows.exclude(status=Status.CLOSED).select_related("reporter").order_by("occurred_at")
    )
    order = [Severity.I, Severity.II, Severity.III, Severity.IV, Severity.UNRATED]
    groups = []
    for level in order:
        items = [
            {"incident": i, "age": _minutes(now - i.reported_at)}
            for i in open_rows
            if i.severity == level
        ]
        groups.append({"severity": level, "label": Severity(level).label, "items": items})
    recent = rows.filter(reported_at__gte=now - timedelta(days=90)).values_list(
        "reported_at", "acknowledged_at", "contained_at"
    )
    to_ack, to_contain = [], []
    for reported, acknowledged, contained in recent:
        if acknowledged:
            to_ack.append(_minutes(acknowledged - reported))
        if contained:
            to_contain.append(_minutes(contained - reported))
    return {
        "groups": groups,
        "open_count": len(open_rows),
        "unacknowledged": [i for i in open_rows if i.acknowledged_at is None],
        "ack_median": median(to_ack) if to_ack else None,
        "contain_median": median(to_contain) if to_contain else None,
        "measured": len(recent),
        "awaiting_review": awaiting_review(actor),
    }


def awaiting_review(actor) -> list | None:
    """Incidents waiting for a post-incident report or its review, from the review
    sub-domain's queries; None while that sub-domain offers none."""
    try:
        from incidents.queries import review
    except ImportError:
        return None
    for name in ("awaiting_review", "incidents_awaiting_review"):
        function = getattr(review, name, None)
        if function is not None:
            return list(function(actor=actor))
    return None


# --- the timeline ----------------------------------------------------------------------------


def timeline(incident: Incident, actor) -> list[dict]:
    """Every entry, oldest first: the incident's own events, each escalation step with every
    notice it sent (to whom, by which channel, whether delivered) and each acknowledgement."""
    personal = can_see_personal(actor, incident)
    entries = []
    for event in IncidentEvent.objects.filter(incident=incident).select_related("actor__staff"):
        data = dict(event.data)
        if "people_hurt" in data and not personal:
            data["people_hurt"] = [MASK, MASK]
        entries.append(
            {
                "at": event.at,
                "kind": event.kind,
                "label": EventKind(event.kind).label,
                "who": _who(event.actor),
                "text": event.text,
                "changes": _changes(data) if event.kind == EventKind.UPDATED else [],
                "status": _status_labels(data) if event.kind == EventKind.STATUS else None,
            }
        )
    links = list(
        IncidentEscalation.objects.filter(incident=incident).values_list("escalation_id", flat=True)
    )
    keys = {}
    steps = list(
        EscalationEvent.objects.filter(escalation_id__in=links)
        .exclude(kind="started")
        .select_related("actor__staff")
        .order_by("at", "pk")
    )
    for step in steps:
        if step.kind == "step":
            keys[f"escalation:{step.escalation_id}:step:{step.step}"] = step
    notices = (
        Notice.objects.filter(event__in=list(keys))
        .select_related("recipient__staff")
        .order_by("recipient_id", "channel")
    )
    by_key: dict[str, list] = {}
    for notice in notices:
        by_key.setdefault(notice.event, []).append(notice)
    for step in steps:
        if step.kind == "step":
            sent = by_key.get(f"escalation:{step.escalation_id}:step:{step.step}", [])
            entries.append(
                {
                    "at": step.at,
                    "kind": "notice",
                    "label": _("Escalation notice"),
                    "who": None,
                    "text": "",
                    "notices": [
                        {
                            "to": _who(n.recipient),
                            "channel": CHANNELS.get(n.channel, n.channel),
                            "status": n.get_status_display(),
                            "sent_at": n.sent_at,
                        }
                        for n in sent
                    ],
                    "nobody": not sent,
                }
            )
    entries.sort(key=lambda e: (e["at"], e["kind"] == "notice"))
    return entries


def _status_labels(data: dict) -> dict:
    labels = dict(Status.choices)
    return {"from": labels.get(data.get("from"), ""), "to": labels.get(data.get("to"), "")}


def _who(user) -> str:
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None else user.get_username()


def _changes(data: dict) -> list[dict]:
    from django.core.exceptions import FieldDoesNotExist

    rows = []
    for field, pair in data.items():
        try:
            model_field = Incident._meta.get_field(field)
        except FieldDoesNotExist:  # a field renamed since: show its code
            label, choices = field, {}
        else:
            label, choices = model_field.verbose_name, dict(model_field.flatchoices)
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        before, after = (_shown(v, choices) for v in (before, after))
        rows.append({"field": label, "before": before, "after": after})
    return rows


def _shown(value, choices: dict):
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return choices.get(value, value)


def escalation_state(incident: Incident) -> dict:
    """Is any chain still running (the acknowledge button), and did the bureau get told."""
    links = list(IncidentEscalation.objects.filter(incident=incident).select_related("escalation"))
    return {
        "active": any(link.escalation.status == "active" for link in links),
        "chains": len(links),
    }
