"""The escalation engine: notify step by step until someone acknowledges.

An escalation stores a snapshot of its steps and the due time of the next one. A periodic task
(and, for the first step, a task enqueued on commit) claims due escalations with
``SELECT … FOR UPDATE SKIP LOCKED``, runs one step in the same transaction as its outbox rows,
and moves the due time on. Acknowledging is a conditional UPDATE on ``status = active``: it
waits for a step being run to commit and then stops every later step. Each step's notices carry
the key ``escalation:<id>:step:<n>``, so a step processed twice still sends once.

A step is ``{"roles": ["leader"], "users": [user ids], "wait_minutes": 5}``: notify everyone
with those roles in the school (``"bureau"`` = the school's bureau officials) and these users,
then wait that long for an acknowledgement before the next step.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone

from dutyschool.queue import publish_on_commit
from notifications.fanout import notify
from notifications.models import Escalation, EscalationEvent, EscalationStatus
from staff.models import BureauOfficial, Role, School, Staff, User

BUREAU = "bureau"


def validate_steps(steps: list[dict]) -> list[dict]:
    if not steps:
        raise ValidationError("an escalation needs at least one step")
    clean = []
    for index, step in enumerate(steps):
        roles = list(step.get("roles", []))
        users = [int(pk) for pk in step.get("users", [])]
        wait = int(step.get("wait_minutes", 0))
        unknown = set(roles) - {*Role.values, BUREAU}
        if unknown or wait < 0 or not (roles or users):
            raise ValidationError(f"step {index + 1} is invalid: {step!r}")
        clean.append({"roles": roles, "users": users, "wait_minutes": wait})
    return clean


def start_escalation(
    *,
    school: School,
    source: str,
    subject: str,
    steps: list[dict],
    body: str = "",
    url: str = "",
    urgent: bool = True,
    actor: User | None = None,
    now: datetime | None = None,
) -> Escalation:
    """Start escalating ``source`` (e.g. ``incident:12``) in the caller's transaction. Starting
    the same source again returns the running escalation unchanged. ``now``: the caller's clock
    (default the real one); the first step is due then."""
    steps = validate_steps(steps)
    with transaction.atomic(savepoint=False):
        escalation, created = Escalation.objects.get_or_create(
            source=source,
            defaults={
                "school": school,
                "subject": subject[:200],
                "body": body,
                "url": url,
                "urgent": urgent,
                "steps": steps,
                "next_due_at": now or timezone.now(),
            },
        )
        if created:
            started = EscalationEvent.objects.create(
                escalation=escalation, kind="started", actor=actor
            )
            if now is not None:
                EscalationEvent.objects.filter(pk=started.pk).update(at=now)
            from notifications.tasks import advance_escalation

            publish_on_commit(advance_escalation, escalation.pk)
    return escalation


def advance_escalation(*, escalation_id: int, now: datetime | None = None) -> str:
    """Run the due step of one escalation, if it is still due and nobody else holds it.
    ``now``: the caller's clock (default the database's)."""
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update(skip_locked=True)
            .filter(pk=escalation_id, status=EscalationStatus.ACTIVE, next_due_at__lte=now or Now())
            .select_related("school")
            .first()
        )
        if escalation is None:
            return "not due"
        return _run_step(escalation, now=now)


def advance_due_escalations(*, limit: int = 50, now: datetime | None = None) -> int:
    """Run the due step of every escalation that is due; returns how many steps ran. ``now``:
    the caller's clock (default the database's)."""
    ran = 0
    for _ in range(limit):
        with transaction.atomic():
            escalation = (
                Escalation.objects.select_for_update(skip_locked=True)
                .filter(status=EscalationStatus.ACTIVE, next_due_at__lte=now or Now())
                .select_related("school")
                .order_by("next_due_at")
                .first()
            )
            if escalation is None:
                break
            _run_step(escalation, now=now)
            ran += 1
    return ran


def _run_step(escalation: Escalation, *, now: datetime | None = None) -> str:
    index = escalation.next_step
    step = escalation.steps[index]
    recipients = recipients_for(escalation.school, step)
    notify(
        school=escalation.school,
        recipients=recipients,
        event=f"escalation:{escalation.pk}:step:{index}",
        subject=escalation.subject,
        body=escalation.body,
        url=escalation.url,
        urgent=escalation.urgent,
        now=now,
    )
    event = EscalationEvent.objects.create(
        escalation=escalation,
        kind="step",
        step=index,
        detail=", ".join(sorted(u.get_username() for u in recipients)) or "(nobody to notify)",
    )
    if now is not None:
        EscalationEvent.objects.filter(pk=event.pk).update(at=now)
    fields = {"fence": escalation.fence + 1, "next_step": index + 1}
    if index + 1 < len(escalation.steps):
        # A step that reached nobody (the role is vacant) is no reason to wait: the next
        # person is told at once.
        wait = step["wait_minutes"] if recipients else 0
        fields["next_due_at"] = (now or timezone.now()) + timedelta(minutes=wait)
    else:
        fields.update(status=EscalationStatus.FINISHED, next_due_at=None)
        EscalationEvent.objects.create(escalation=escalation, kind="finished", step=index)
    # Fenced: only the holder of the fence value it read may move the escalation on.
    Escalation.objects.filter(pk=escalation.pk, fence=escalation.fence).update(**fields)
    return f"step {index + 1} of {len(escalation.steps)}: {len(recipients)} people"


def recipients_for(school: School, step: dict) -> list[User]:
    roles = [role for role in step["roles"] if role != BUREAU]
    users = {
        staff.user
        for staff in Staff.objects.for_school(school)
        .active()
        .filter(roles__role__in=roles, user__isnull=False)
        .select_related("user")
    }
    if BUREAU in step["roles"] and school.bureau_id:
        users |= {o.user for o in BureauOfficial.objects.filter(bureau=school.bureau_id)}
    users |= set(User.objects.filter(pk__in=step["users"], is_active=True))
    return sorted(users, key=lambda u: u.pk)


def acknowledge_escalation(*, escalation_id: int, actor: User, now: datetime | None = None) -> bool:
    """Stop further steps. True if this call acknowledged it (False: already stopped).
    ``now``: the caller's clock (default the real one)."""
    with transaction.atomic():
        stopped = Escalation.objects.filter(
            pk=escalation_id, status=EscalationStatus.ACTIVE
        ).update(
            status=EscalationStatus.ACKNOWLEDGED,
            acknowledged_at=now or timezone.now(),
            acknowledged_by=actor,
            next_due_at=None,
        )
        if stopped:
            EscalationEvent.objects.create(
                escalation_id=escalation_id, kind="acknowledged", actor=actor
            )
    return bool(stopped)


def cancel_escalation(*, escalation_id: int, actor: User, reason: str = "") -> bool:
    with transaction.atomic():
        stopped = Escalation.objects.filter(
            pk=escalation_id, status=EscalationStatus.ACTIVE
        ).update(status=EscalationStatus.CANCELLED, next_due_at=None)
        if stopped:
            EscalationEvent.objects.create(
                escalation_id=escalation_id, kind="cancelled", actor=actor, detail=reason
            )
    return bool(stopped)
