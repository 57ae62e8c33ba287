"""Reads and permission choke-points for emergency plans, incident checklists and drills.

Every member of staff may read their school's plans (they are what people act on); the office
administrator and the principal edit them and record drills.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from incidents.models import Drill, EmergencyPlan, IncidentPlan, PlanStep, PlanVersion, StepTick
from staff.models import Role, Staff
from staff.queries import Actor

PLAN_EDITORS = (Role.ADMIN, Role.PRINCIPAL)


def can_edit_plans(actor: Actor, school_id: int) -> bool:
    return (
        school_id in actor.school_ids and actor.staff is not None and actor.has_any(*PLAN_EDITORS)
    )


def _school_id(actor: Actor) -> int:
    if actor.staff is None:
        raise PermissionDenied
    return actor.staff.school_id


def current_versions() -> Prefetch:
    """Prefetch each plan's versions newest first (``plan.versions.all()[0]`` is in force)."""
    return Prefetch("versions", queryset=PlanVersion.objects.order_by("-number"))


def plan_list(actor: Actor) -> list[EmergencyPlan]:
    """The plan library of the actor's school, each with its versions newest first."""
    plans = EmergencyPlan.objects.filter(school=_school_id(actor)).prefetch_related(
        current_versions()
    )
    return list(plans)


def get_plan_for_user(actor: Actor, pk: int, *, write: bool = False) -> EmergencyPlan:
    plan = (
        EmergencyPlan.objects.filter(pk=pk, school__in=actor.school_ids)
        .prefetch_related(current_versions())
        .first()
    )
    if plan is None or actor.staff is None:
        raise Http404
    if write and not can_edit_plans(actor, plan.school_id):
        raise PermissionDenied
    return plan


def get_version_for_user(actor: Actor, pk: int) -> PlanVersion:
    """One version with its steps, for the printable plan page."""
    version = (
        PlanVersion.objects.select_related("plan", "published_by__staff")
        .prefetch_related("steps")
        .filter(pk=pk, plan__school__in=actor.school_ids)
        .first()
    )
    if version is None or actor.staff is None:
        raise Http404
    return version


def plan_for_category(school_id: int, category: str, subcategory: str) -> EmergencyPlan | None:
    """The plan for a sub-category if there is one, else the category's general plan."""
    plans = {
        p.subcategory: p
        for p in EmergencyPlan.objects.filter(
            school=school_id, category=category, subcategory__in=[subcategory, ""]
        )
    }
    return plans.get(subcategory) or plans.get("")


def checklist(incident) -> dict | None:
    """The incident's plan checklist: the version it opened with and each step with its tick."""
    attached = (
        IncidentPlan.objects.select_related("version", "version__plan")
        .prefetch_related(
            Prefetch("version__steps", queryset=PlanStep.objects.order_by("position")),
            Prefetch("ticks", queryset=StepTick.objects.select_related("done_by__staff")),
        )
        .filter(incident=incident)
        .first()
    )
    if attached is None:
        return None
    ticks = {t.step_id: t for t in attached.ticks.all()}
    steps = [{"step": s, "tick": ticks.get(s.pk)} for s in attached.version.steps.all()]
    return {
        "checklist": attached,
        "version": attached.version,
        "steps": steps,
        "done": len(ticks),
        "total": len(steps),
    }


def drill_list(actor: Actor, year: int) -> QuerySet[Drill]:
    if actor.staff is None or not actor.has_any(*PLAN_EDITORS):
        raise PermissionDenied
    return (
        Drill.objects.filter(school=actor.staff.school_id, held_on__year=year)
        .select_related("plan_version")
        .prefetch_related(Prefetch("participants", queryset=Staff.objects.order_by("name")))
    )


def drills_for(staff: Staff, year: int) -> QuerySet[Drill]:
    """The drills ``staff`` took part in during ``year`` (for the annual duty record)."""
    return Drill.objects.filter(participants=staff, held_on__year=year).order_by("held_on")


def drill_plan_versions(school_id: int) -> QuerySet[PlanVersion]:
    """Versions a drill may name as the plan used: every version of the school's plans."""
    return PlanVersion.objects.filter(plan__school=school_id).order_by("title", "-number")
