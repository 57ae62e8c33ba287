"""Writes for emergency plans: publishing versions, attaching a plan to an incident, ticking
its steps, recording drills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import (
    Drill,
    EmergencyPlan,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentPlan,
    PlanStep,
    PlanVersion,
    StepTick,
)
from incidents.queries.plans import can_edit_plans, plan_for_category
from staff.models import School, Staff
from staff.queries import Actor


@dataclass(frozen=True)
class StepInput:
    text: str
    role: str = ""
    minutes: int | None = None


def _check_steps(steps: list[StepInput]) -> list[StepInput]:
    steps = [s for s in steps if s.text.strip()]
    if not steps:
        raise ValidationError(_("A plan needs at least one step."))
    return steps


def create_plan(
    *,
    school: School,
    category: str,
    subcategory: str,
    title: str,
    contacts: str,
    steps: list[StepInput],
    actor: Actor,
    now: datetime | None = None,
) -> EmergencyPlan:
    if not can_edit_plans(actor, school.pk):
        raise PermissionDenied
    steps = _check_steps(steps)
    with transaction.atomic():
        try:
            with transaction.atomic():
                plan = EmergencyPlan.objects.create(
                    school=school, category=category, subcategory=subcategory
                )
        except IntegrityError:
            raise ValidationError(
                _("This category already has a plan; edit it to publish a new version.")
            ) from None
        _publish(plan=plan, title=title, contacts=contacts, steps=steps, actor=actor, now=now)
    return plan


def publish_plan_version(
    *,
    plan: EmergencyPlan,
    title: str,
    contacts: str,
    steps: list[StepInput],
    actor: Actor,
    now: datetime | None = None,
) -> PlanVersion:
    """Editing a plan publishes a new version; incidents keep the one they opened with."""
    if not can_edit_plans(actor, plan.school_id):
        raise PermissionDenied
    steps = _check_steps(steps)
    with transaction.atomic():
        # Serialise concurrent editors of one plan so version numbers stay dense.
        EmergencyPlan.objects.select_for_update().get(pk=plan.pk)
        return _publish(
            plan=plan, title=title, contacts=contacts, steps=steps, actor=actor, now=now
        )


def _publish(*, plan, title, contacts, steps, actor, now) -> PlanVersion:
    last = plan.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = PlanVersion.objects.create(
        plan=plan,
        number=last + 1,
        title=title.strip(),
        contacts=contacts.strip(),
        published_at=now or timezone.now(),
        published_by=actor.user,
    )
    PlanStep.objects.bulk_create(
        PlanStep(version=version, position=i, text=s.text.strip(), role=s.role, minutes=s.minutes)
        for i, s in enumerate(steps, start=1)
    )
    return version


def attach_plan(incident: Incident) -> IncidentPlan | None:
    """Open the checklist of the plan for the incident's category: the version that was in
    force when the incident was reported. Safe to call again (returns the attached one)."""
    existing = IncidentPlan.objects.filter(incident=incident).first()
    if existing is not None:
        return existing
    plan = plan_for_category(incident.school_id, incident.category, incident.subcategory)
    if plan is None:
        return None
    version = (
        plan.versions.filter(published_at__lte=incident.reported_at).order_by("-number").first()
        or plan.versions.order_by("number").first()
    )
    if version is None:
        return None
    with transaction.atomic():
        attached, _created = IncidentPlan.objects.get_or_create(
            incident=incident, defaults={"version": version}
        )
    return attached


def tick_step(
    *, incident: Incident, step_id: int, actor: Actor, now: datetime | None = None
) -> StepTick:
    """Mark a plan step done with the time and who did it; a timeline entry records it."""
    now = now or timezone.now()
    with transaction.atomic():
        attached = IncidentPlan.objects.select_for_update().filter(incident=incident).first()
        if attached is None:
            raise ValidationError(_("This incident has no plan checklist."))
        step = PlanStep.objects.filter(pk=step_id, version=attached.version_id).first()
        if step is None:
            raise ValidationError(_("That step is not in this incident's plan."))
        tick, created = StepTick.objects.get_or_create(
            checklist=attached, step=step, defaults={"done_at": now, "done_by": actor.user}
        )
        if created:
            event = IncidentEvent.objects.create(
                incident=incident,
                kind=EventKind.PLAN_STEP,
                actor=actor.user,
                text=f"{step.position}. {step.text}",
                data={"step": step.pk, "done_at": now.isoformat()},
            )
            IncidentEvent.objects.filter(pk=event.pk).update(at=now)
    return tick


def record_drill(
    *,
    school: School,
    held_on: date,
    category: str,
    scenario: str,
    plan_version: PlanVersion | None,
    participants: list[Staff],
    duration_minutes: int,
    findings: str,
    improvements: str,
    actor: Actor,
) -> Drill:
    if not can_edit_plans(actor, school.pk):
        raise PermissionDenied
    if plan_version is not None and plan_version.plan.school_id != school.pk:
        raise ValidationError(_("That plan belongs to another school."))
    if any(p.school_id != school.pk for p in participants):
        raise ValidationError(_("Participants must be staff of this school."))
    with transaction.atomic():
        drill = Drill.objects.create(
            school=school,
            held_on=held_on,
            category=category,
            scenario=scenario.strip(),
            plan_version=plan_version,
            duration_minutes=duration_minutes,
            findings=findings.strip(),
            improvements=improvements.strip(),
            created_by=actor.user,
        )
        drill.participants.set(participants)
    return drill
