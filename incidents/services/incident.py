"""Writes for incidents: reporting, editing, attachments, acknowledging, status, escalation.

Reporting an incident starts its escalation in the same transaction (the first step is handed
to the worker on commit). Raising the severity later re-evaluates: any chain still running is
cancelled and a new chain starts with the new level's steps minus the people and roles the
earlier chains already told, so a raise from IV to III tells the principal at once and a raise
to II tells the bureau, without repeating anyone. Lowering the severity changes nothing already
sent. Acknowledging ("I am handling it") stops every running chain of the incident.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.categories import TRANSITIONS, Severity, Status, subcategory_choices
from incidents.models import (
    EscalationPolicy,
    EventKind,
    Incident,
    IncidentAttachment,
    IncidentEscalation,
    IncidentEvent,
)
from incidents.services import reporting
from notifications.escalation import (
    BUREAU,
    acknowledge_escalation,
    cancel_escalation,
    start_escalation,
)
from notifications.models import Escalation, EscalationStatus
from roster.models import Assignment, Shift
from staff.models import Role, School, Staff, User

SHIFT_LEADER = "shift_leader"
TARGETS = [SHIFT_LEADER, Role.LEADER, Role.PRINCIPAL, Role.ADMIN, BUREAU]
# The shipped policy: the shift's leader at once; the principal after 5 minutes without an
# acknowledgement (at once for III and above); the bureau as well for I and II. Unrated
# escalates like IV until rated.
_LOW = [
    {"targets": [SHIFT_LEADER], "wait_minutes": 5},
    {"targets": [Role.PRINCIPAL], "wait_minutes": 0},
]
DEFAULT_POLICY: dict[str, list[dict]] = {
    Severity.UNRATED: _LOW,
    Severity.IV: _LOW,
    Severity.III: [{"targets": [SHIFT_LEADER, Role.PRINCIPAL], "wait_minutes": 0}],
    Severity.II: [{"targets": [SHIFT_LEADER, Role.PRINCIPAL, BUREAU], "wait_minutes": 0}],
    Severity.I: [{"targets": [SHIFT_LEADER, Role.PRINCIPAL, BUREAU], "wait_minutes": 0}],
}
# The edit form's fields; anything else posted is ignored (mass assignment).
EDITABLE = [
    "category",
    "subcategory",
    "severity",
    "occurred_at",
    "location",
    "summary",
    "casualties_dead",
    "casualties_injured",
    "casualties_ill",
    "people_hurt",
    "services_called",
    "first_measures",
    "leaders_on_scene",
    "impact",
]
MAX_FILE_BYTES = 10 * 1024 * 1024
SERVICES = ["110", "119", "120"]  # police, fire, ambulance


# --- escalation policy -----------------------------------------------------------------------


def validate_policy_steps(steps: list[dict]) -> list[dict]:
    clean = []
    for index, step in enumerate(steps):
        targets = [t for t in TARGETS if t in set(step.get("targets", []))]
        wait = int(step.get("wait_minutes", 0))
        if not targets or not 0 <= wait <= 24 * 60:
            raise ValidationError(_("Step %(n)s needs someone to tell.") % {"n": index + 1})
        clean.append({"targets": targets, "wait_minutes": wait})
    if not clean:
        raise ValidationError(_("A policy needs at least one step."))
    return clean


def policy_steps(*, school: School, severity: str) -> list[dict]:
    row = EscalationPolicy.objects.filter(school=school, severity=severity).first()
    return row.steps if row else DEFAULT_POLICY[severity]


def save_policy(*, school: School, severity: str, steps: list[dict], actor: User):
    steps = validate_policy_steps(steps)
    with transaction.atomic(durable=True):
        policy, _created = EscalationPolicy.objects.update_or_create(
            school=school, severity=severity, defaults={"steps": steps, "updated_by": actor}
        )
    return policy


def shift_leader_ids(shift: Shift | None) -> list[int]:
    if shift is None:
        return []
    return sorted(
        Assignment.objects.filter(shift=shift, role=Role.LEADER, staff__user__isnull=False)
        .values_list("staff__user_id", flat=True)
        .distinct()
    )


def engine_steps(incident: Incident, policy: list[dict]) -> list[dict]:
    """The policy's steps for this incident, as the engine takes them: the shift's leaders
    become user ids (the school's leaders when the shift has none)."""
    leaders = shift_leader_ids(incident.shift)
    steps = []
    for step in policy:
        roles = [t for t in step["targets"] if t != SHIFT_LEADER]
        users: list[int] = []
        if SHIFT_LEADER in step["targets"]:
            if leaders:
                users = list(leaders)
            elif Role.LEADER not in roles:
                roles.append(Role.LEADER)
        steps.append({"roles": roles, "users": users, "wait_minutes": step["wait_minutes"]})
    return steps


def _subject(incident: Incident) -> str:
    return f"[{incident.get_severity_display()}] {incident.get_category_display()} · " + (
        f"{incident.location}"
    )


def _start_chain(
    incident: Incident,
    steps: list[dict],
    source: str,
    actor: User | None,
    now: datetime | None = None,
):
    if not steps:
        return None
    escalation = start_escalation(
        school=incident.school,
        source=source,
        subject=_subject(incident),
        body=incident.summary[:500],
        url=reverse("incidents:detail", args=[incident.pk]),
        urgent=True,
        steps=steps,
        actor=actor,
        now=now,
    )
    bureau_step = next((n for n, s in enumerate(steps) if BUREAU in s["roles"]), None)
    IncidentEscalation.objects.get_or_create(
        escalation=escalation,
        defaults={
            "incident": incident,
            "severity": incident.severity,
            "bureau_step": bureau_step,
        },
    )
    return escalation


def _reevaluate(incident: Incident, actor: User, now: datetime) -> None:
    """The severity went up: tell whoever the new level adds, once."""
    links = list(IncidentEscalation.objects.filter(incident=incident).select_related("escalation"))
    for link in links:
        cancel_escalation(escalation_id=link.escalation_id, actor=actor, reason="severity raised")
    told: set[tuple[str, object]] = set()
    for escalation in Escalation.objects.filter(pk__in=[link.escalation_id for link in links]):
        for step in escalation.steps[: escalation.next_step]:
            told |= {("role", r) for r in step["roles"]} | {("user", u) for u in step["users"]}
    steps = []
    for step in engine_steps(
        incident, policy_steps(school=incident.school, severity=incident.severity)
    ):
        roles = [r for r in step["roles"] if ("role", r) not in told]
        users = [u for u in step["users"] if ("user", u) not in told]
        if roles or users:
            steps.append({"roles": roles, "users": users, "wait_minutes": step["wait_minutes"]})
    chain = _start_chain(
        incident, steps, f"incident:{incident.pk}:severity:{incident.severity}", actor, now
    )
    if chain is not None:
        _event(
            incident,
            EventKind.ESCALATED,
            actor,
            now,
            text=_("Severity raised: escalation re-evaluated"),
        )


# --- reporting and editing -------------------------------------------------------------------


def find_shift(*, school: School, reporter: Staff, at: datetime) -> Shift | None:
    """The reporter's shift on duty at ``at``, else any shift of the school on duty then."""
    on_duty = Shift.objects.for_school(school).filter(starts_at__lte=at, ends_at__gt=at)
    mine = on_duty.filter(assignments__staff=reporter).first()
    return mine or on_duty.order_by("starts_at", "pk").first()


def _check_facts(*, category: str, subcategory: str, occurred_at: datetime, now: datetime):
    if occurred_at > now + timedelta(minutes=1):
        raise ValidationError({"occurred_at": _("The time is in the future.")})
    if subcategory not in dict(subcategory_choices(category)):
        raise ValidationError({"subcategory": _("Choose a sub-category of this category.")})


def _event(incident, kind, actor, now, *, text="", data=None) -> IncidentEvent:
    event = IncidentEvent.objects.create(
        incident=incident, kind=kind, actor=actor, text=text, data=data or {}
    )
    if now is not None:
        # ``at`` is auto_now_add; a controlled clock (tests, demo) sets it explicitly.
        IncidentEvent.objects.filter(pk=event.pk).update(at=now)
        event.at = now
    return event


def report_incident(
    *,
    reporter: Staff,
    category: str,
    subcategory: str,
    occurred_at: datetime,
    location: str,
    summary: str,
    severity: str = Severity.UNRATED,
    files: list[CleanFile] = (),
    services_called: list[str] = (),
    casualties_injured: int = 0,
    first_measures: str = "",
    now: datetime | None = None,
) -> Incident:
    """A short first report: saved, put on the timeline and escalated in one transaction.
    The outside services called, the number hurt and the first measures may come with it."""
    now = now or timezone.now()
    _check_facts(category=category, subcategory=subcategory, occurred_at=occurred_at, now=now)
    if set(services_called) - set(SERVICES) or (casualties_injured or 0) < 0:
        raise ValidationError(_("Check the outside services and the number of people hurt."))
    with atomic_with_files() as stored:
        incident = Incident.objects.create(
            school=reporter.school,
            shift=find_shift(school=reporter.school, reporter=reporter, at=occurred_at),
            reporter=reporter,
            category=category,
            subcategory=subcategory,
            severity=severity,
            occurred_at=occurred_at,
            location=location,
            summary=summary,
            services_called=[code for code in SERVICES if code in set(services_called)],
            casualties_injured=casualties_injured or 0,
            first_measures=first_measures.strip(),
        )
        Incident.objects.filter(pk=incident.pk).update(reported_at=now)
        incident.reported_at = now
        _event(incident, EventKind.REPORTED, reporter.user, now)
        _store_files(incident, files, reporter.user, stored, now)
        _open_plan(incident)
        steps = engine_steps(incident, policy_steps(school=incident.school, severity=severity))
        _start_chain(incident, steps, f"incident:{incident.pk}", reporter.user, now)
        reporting.open_clocks(incident=incident, now=now)
    return incident


def is_raise(old: str, new: str) -> bool:
    """True when ``new`` is a rated level more severe than ``old`` (unrated counts as IV)."""
    old_level = int(Severity.IV if old == Severity.UNRATED else old)
    return new != Severity.UNRATED and int(new) < old_level


def _open_plan(incident: Incident) -> None:
    """The category's emergency plan checklist opens with the incident (plans sub-domain)."""
    try:
        from incidents.services.plans import attach_plan
    except ImportError:
        return
    attach_plan(incident)


def _jsonable(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value


def update_incident(
    *, incident: Incident, actor: User, changes: dict, now: datetime | None = None
) -> dict:
    """Complete or correct the report. Only EDITABLE fields change; the timeline records each
    field's before and after. Returns the recorded changes (empty when nothing changed)."""
    now = now or timezone.now()
    category = changes.get("category", incident.category)
    _check_facts(
        category=category,
        subcategory=changes.get("subcategory", incident.subcategory),
        occurred_at=changes.get("occurred_at", incident.occurred_at),
        now=now,
    )
    diff = {}
    for field in EDITABLE:
        if field in changes and changes[field] != getattr(incident, field):
            diff[field] = [_jsonable(getattr(incident, field)), _jsonable(changes[field])]
    if not diff:
        return {}
    raised = "severity" in diff and is_raise(incident.severity, changes["severity"])
    with transaction.atomic(durable=True):
        locked = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("school", "shift")
            .get(pk=incident.pk)
        )
        for field in diff:
            setattr(locked, field, changes[field])
        locked.save(update_fields=[*diff, "updated_at"])
        _event(locked, EventKind.UPDATED, actor, now, data=diff)
        if raised:
            _reevaluate(locked, actor, now)
            reporting.open_clocks(incident=locked, now=now)
    for field in diff:
        setattr(incident, field, changes[field])
    return diff


# --- attachments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    name: str
    content_type: str
    extension: str


def clean_attachment(upload) -> CleanFile:
    """A photo (validated and re-encoded by logbook.uploads) or a PDF; anything else, or
    anything over 10 MB, is refused with a clear message."""
    from logbook.uploads import clean_image

    name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][-150:]
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError(
            _("“%(name)s” is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"name": name, "size": round(upload.size / 1024 / 1024, 1), "limit": 10}
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        data = upload.read(MAX_FILE_BYTES + 1)
        return CleanFile(data=data, name=name, content_type="application/pdf", extension="pdf")
    try:
        image = clean_image(upload)
    except ValidationError as exc:
        raise ValidationError(_("“%(name)s” is not a photo or a PDF.") % {"name": name}) from exc
    return CleanFile(data=image.data, name=name, content_type="image/jpeg", extension="jpg")


def _store_files(incident, files, actor, stored: list[str], now) -> None:
    for clean in files:
        path = f"private/incidents/{incident.school_id}/{now:%Y/%m}/{uuid.uuid4().hex}"
        name = default_storage.save(f"{path}.{clean.extension}", ContentFile(clean.data))
        stored.append(name)
        IncidentAttachment.objects.create(
            incident=incident,
            file=name,
            name=clean.name,
            content_type=clean.content_type,
            size=len(clean.data),
            uploaded_by=actor,
        )
        _event(incident, EventKind.ATTACHMENT, actor, now, text=clean.name)


def add_attachments(
    *, incident: Incident, actor: User, files: list[CleanFile], now: datetime | None = None
) -> None:
    now = now or timezone.now()
    with atomic_with_files() as stored:
        _store_files(incident, files, actor, stored, now)


def atomic_with_files():
    from logbook.uploads import atomic_with_files as atomic

    return atomic()


# --- acknowledging and status ---------------------------------------------------------------


def acknowledge_incident(*, incident: Incident, actor: User, now: datetime | None = None) -> bool:
    """ "I am handling it": stop every running escalation chain and record who and when.
    False when there was nothing left to acknowledge."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        stopped = [
            link.escalation_id
            for link in IncidentEscalation.objects.filter(
                incident=incident, escalation__status=EscalationStatus.ACTIVE
            )
            if acknowledge_escalation(escalation_id=link.escalation_id, actor=actor, now=now)
        ]
        first = Incident.objects.filter(pk=incident.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor
        )
        Incident.objects.filter(pk=incident.pk, status=Status.REPORTED).update(
            status=Status.ACKNOWLEDGED
        )
        if not (first or stopped):
            return False
        _event(incident, EventKind.ACKNOWLEDGED, actor, now, data={"escalations": stopped})
    incident.refresh_from_db()
    return True


def can_close(incident: Incident) -> bool:
    """Closing needs an accepted post-incident report (the review sub-domain decides)."""
    try:
        from incidents.services.review import can_close as review_can_close
    except ImportError:
        return False
    return bool(review_can_close(incident))


def change_status(
    *, incident: Incident, to: str, actor: User, note: str = "", now: datetime | None = None
) -> Incident:
    now = now or timezone.now()
    old = incident.status
    if to not in TRANSITIONS.get(old, set()):
        raise ValidationError(_("An incident cannot go from this status to that one."))
    if to == Status.CLOSED and not can_close(incident):
        raise ValidationError(_("Closing needs a post-incident report accepted by the principal."))
    if old == Status.REPORTED:
        acknowledge_incident(incident=incident, actor=actor, now=now)
        old = Incident.objects.values_list("status", flat=True).get(pk=incident.pk)
        if old == to:
            return incident
    fields: dict = {"status": to}
    if to == Status.CONTAINED and incident.contained_at is None:
        fields["contained_at"] = now
    if to == Status.CLOSED:
        fields["closed_at"] = now
    with transaction.atomic(durable=True):
        if not Incident.objects.filter(pk=incident.pk, status=old).update(**fields):
            raise ValidationError(_("Someone else changed the status meanwhile; try again."))
        _event(incident, EventKind.STATUS, actor, now, text=note, data={"from": old, "to": to})
        incident.refresh_from_db()
        reporting.on_status(incident=incident, now=now)
    return incident
