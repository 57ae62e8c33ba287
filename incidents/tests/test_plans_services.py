"""Emergency plans: versions, the checklist an incident opens with, ticking steps, drills."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.categories import Category
from incidents.models import EventKind, IncidentEvent, IncidentPlan, PlanVersion
from incidents.queries.plans import checklist, drills_for
from incidents.services import plans as services
from incidents.tests.factories_review import NOW, actor, make_incident, make_plan

pytestmark = pytest.mark.django_db


def test_an_incident_keeps_the_plan_version_it_opened_with(cast):
    plan = make_plan(cast)
    incident = make_incident(cast)
    services.attach_plan(incident)
    services.publish_plan_version(
        plan=plan,
        title="火灾应急预案（修订）",
        contacts="",
        steps=[services.StepInput(text="新的第一步", role="leader", minutes=5)],
        actor=actor(cast.principal),
        now=NOW,
    )
    assert list(plan.versions.values_list("number", flat=True)) == [2, 1]
    shown = checklist(incident)
    assert shown["version"].number == 1
    assert [s["step"].text for s in shown["steps"]] == ["发现火情立即报告", "启动预案", "组织疏散"]
    later = make_incident(cast, now=NOW + timedelta(hours=1))
    services.attach_plan(later)
    assert checklist(later)["version"].number == 2


def test_a_checklist_attached_late_is_still_the_version_in_force_when_reported(cast):
    plan = make_plan(cast)
    incident = make_incident(cast)
    services.publish_plan_version(
        plan=plan,
        title="新版",
        contacts="",
        steps=[services.StepInput(text="新步骤")],
        actor=actor(cast.admin),
        now=NOW + timedelta(days=1),
    )
    assert services.attach_plan(incident).version.number == 1


def test_the_sub_category_plan_wins_over_the_category_plan(cast):
    make_plan(cast, title="事故灾难总预案")
    make_plan(cast, subcategory="fire", title="火灾专项预案")
    fire = make_incident(cast, subcategory="fire")
    injury = make_incident(cast, subcategory="injury")
    assert services.attach_plan(fire).version.title == "火灾专项预案"
    assert services.attach_plan(injury).version.title == "事故灾难总预案"
    assert (
        services.attach_plan(make_incident(cast, category=Category.OTHER, subcategory="other"))
        is None
    )
    assert services.attach_plan(fire) == IncidentPlan.objects.get(incident=fire)  # idempotent


def test_ticking_a_step_records_who_and_when_once(cast):
    make_plan(cast)
    incident = make_incident(cast)
    services.attach_plan(incident)
    step = checklist(incident)["steps"][1]["step"]
    services.tick_step(incident=incident, step_id=step.pk, actor=actor(cast.teacher), now=NOW)
    services.tick_step(
        incident=incident, step_id=step.pk, actor=actor(cast.leader), now=NOW + timedelta(minutes=5)
    )
    tick = checklist(incident)["steps"][1]["tick"]
    assert tick.done_at == NOW and tick.done_by == cast.teacher.user
    event = IncidentEvent.objects.get(incident=incident, kind=EventKind.PLAN_STEP)
    assert event.text == "2. 启动预案" and event.at == NOW and event.actor == cast.teacher.user


def test_a_step_of_another_plan_cannot_be_ticked(cast):
    make_plan(cast)
    other = make_plan(cast, category=Category.HEALTH, title="食物中毒应急预案")
    incident = make_incident(cast)
    services.attach_plan(incident)
    foreign = PlanVersion.objects.get(plan=other).steps.first()
    with pytest.raises(ValidationError):
        services.tick_step(incident=incident, step_id=foreign.pk, actor=actor(cast.teacher))
    with pytest.raises(ValidationError):  # no checklist at all
        services.tick_step(
            incident=make_incident(cast, category=Category.OTHER, subcategory="other"),
            step_id=foreign.pk,
            actor=actor(cast.teacher),
        )


def test_plans_are_edited_by_the_office_and_the_principal_only(cast):
    plan = make_plan(cast)
    for someone in (cast.teacher, cast.leader, cast.other_admin):
        with pytest.raises(PermissionDenied):
            services.publish_plan_version(
                plan=plan,
                title="x",
                contacts="",
                steps=[services.StepInput(text="x")],
                actor=actor(someone),
            )
    assert plan.versions.count() == 1


def test_a_plan_needs_a_step_and_one_plan_per_category(cast):
    with pytest.raises(ValidationError):
        make_plan(cast, steps=("", "  "))
    make_plan(cast)
    with pytest.raises(ValidationError):
        make_plan(cast, title="重复")
    assert PlanVersion.objects.count() == 1


def test_drills_for_a_person_and_year(cast):
    plan = make_plan(cast)
    version = plan.versions.get()
    common = {
        "school": cast.school,
        "category": Category.ACCIDENT,
        "plan_version": version,
        "duration_minutes": 20,
        "findings": "",
        "improvements": "",
        "actor": actor(cast.admin),
    }
    spring = services.record_drill(
        held_on=date(2026, 4, 10),
        scenario="火灾疏散",
        participants=[cast.teacher, cast.leader],
        **common,
    )
    services.record_drill(
        held_on=date(2026, 10, 9), scenario="地震避险", participants=[cast.leader], **common
    )
    services.record_drill(
        held_on=date(2025, 11, 9), scenario="去年", participants=[cast.teacher], **common
    )
    assert list(drills_for(cast.teacher, 2026)) == [spring]
    assert drills_for(cast.leader, 2026).count() == 2
    with pytest.raises(ValidationError):
        services.record_drill(
            held_on=date(2026, 5, 1), scenario="x", participants=[cast.other_teacher], **common
        )
    with pytest.raises(PermissionDenied):
        services.record_drill(
            held_on=date(2026, 5, 1),
            scenario="x",
            participants=[],
            **{**common, "actor": actor(cast.teacher)},
        )
