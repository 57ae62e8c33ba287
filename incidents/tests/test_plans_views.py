"""Plan and drill pages: who may read, edit and record; bad input; query counts; ticking a
step from the incident page."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from incidents.models import Drill, EmergencyPlan, PlanVersion, StepTick
from incidents.queries.plans import checklist
from incidents.services import plans as services
from incidents.tests.factories_review import actor, make_incident, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def plan_post(**extra):
    return {
        "category": "health",
        "subcategory": "food",
        "title": "食物中毒应急预案",
        "contacts": "急救 120",
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "0",
        "form-0-text": "立即停止供餐，封存留样",
        "form-0-role": "leader",
        "form-0-minutes": "5",
        "form-1-text": "送医救治",
        **extra,
    }


def test_the_office_creates_a_plan_and_every_colleague_reads_it(client, cast):
    client.force_login(cast.admin.user)
    response = client.post(reverse("incidents:plan-new"), plan_post())
    plan = EmergencyPlan.objects.get()
    assert response.status_code == 302
    steps = list(plan.versions.get().steps.values_list("position", "text", "role", "minutes"))
    assert steps == [(1, "立即停止供餐，封存留样", "leader", 5), (2, "送医救治", "", None)]
    for someone in (cast.teacher, cast.guard, cast.tech):
        client.force_login(someone.user)
        page = client.get(reverse("incidents:plan", args=[plan.pk]))
        assert "立即停止供餐" in page.content.decode()
        assert client.get(reverse("incidents:plan-edit", args=[plan.pk])).status_code == 403
        assert client.post(reverse("incidents:plan-new"), plan_post()).status_code == 403
    client.force_login(cast.other_admin.user)
    assert client.get(reverse("incidents:plan", args=[plan.pk])).status_code == 404
    assert (
        client.post(reverse("incidents:plan-edit", args=[plan.pk]), plan_post()).status_code == 404
    )
    assert PlanVersion.objects.count() == 1


def test_editing_publishes_a_new_version_and_keeps_the_old_one_readable(client, cast):
    plan = make_plan(cast)
    client.force_login(cast.principal.user)
    response = client.post(
        reverse("incidents:plan-edit", args=[plan.pk]),
        plan_post(title="火灾应急预案 2027", category="other"),
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.category == "accident"  # the category is fixed once the plan exists
    assert list(plan.versions.values_list("number", "title")) == [
        (2, "火灾应急预案 2027"),
        (1, "火灾应急预案"),
    ]
    old = client.get(reverse("incidents:plan", args=[plan.pk]) + "?version=1").content.decode()
    assert "组织疏散" in old


@pytest.mark.parametrize(
    "change",
    [
        {"title": ""},
        {"form-0-text": "", "form-1-text": ""},
        {"subcategory": "fire"},  # not a sub-category of public health
        {"form-0-minutes": "-3"},
        {"form-0-role": "king"},
    ],
)
def test_bad_plan_input_is_a_form_error_and_nothing_is_saved(en, cast, change):
    en.force_login(cast.admin.user)
    response = en.post(reverse("incidents:plan-new"), plan_post(**change))
    assert response.status_code == 200
    assert not EmergencyPlan.objects.exists()


def test_plan_list_queries_do_not_grow(client, cast, django_assert_num_queries):
    client.force_login(cast.teacher.user)
    make_plan(cast)
    url = reverse("incidents:plans")
    client.get(url)
    with django_assert_num_queries(PLAN_LIST_QUERIES):
        client.get(url)
    for category in ("health", "security", "natural"):
        plan = make_plan(cast, category=category, title=f"{category} 预案")
        services.publish_plan_version(
            plan=plan,
            title="v2",
            contacts="",
            steps=[services.StepInput(text="x")],
            actor=actor(cast.admin),
        )
    with django_assert_num_queries(PLAN_LIST_QUERIES):
        assert client.get(url).content.count(b"list-group-item-action") == 4


def drill_post(cast, **extra):
    return {
        "held_on": "2026-10-09",
        "category": "natural",
        "scenario": "地震应急疏散演练",
        "participants": [str(cast.teacher.pk), str(cast.leader.pk)],
        "duration_minutes": "25",
        "findings": "二楼东侧楼梯拥堵",
        "improvements": "错峰疏散",
        **extra,
    }


def test_the_principal_records_a_drill(client, cast):
    client.force_login(cast.principal.user)
    assert client.post(reverse("incidents:drill-new"), drill_post(cast)).status_code == 302
    drill = Drill.objects.get()
    assert set(drill.participants.all()) == {cast.teacher, cast.leader}
    page = client.get(reverse("incidents:drills") + "?year=2026").content.decode()
    assert "地震应急疏散演练" in page
    client.force_login(cast.other_admin.user)  # their own school's drills: none
    assert "地震应急疏散演练" not in client.get(reverse("incidents:drills")).content.decode()
    for someone in (cast.teacher, cast.leader):
        client.force_login(someone.user)
        assert client.get(reverse("incidents:drills")).status_code == 403
        assert client.post(reverse("incidents:drill-new"), drill_post(cast)).status_code == 403
    assert Drill.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"held_on": "2026-02-30"},
        {"held_on": "2999-01-01"},
        {"scenario": ""},
        {"duration_minutes": "0"},
        {"participants": ["999999"]},
    ],
)
def test_bad_drill_input_is_a_form_error_and_nothing_is_saved(en, cast, change):
    en.force_login(cast.admin.user)
    response = en.post(reverse("incidents:drill-new"), drill_post(cast, **change))
    assert response.status_code == 200 and b"invalid-feedback" in response.content
    assert not Drill.objects.exists()


def test_a_participant_of_another_school_is_refused(en, cast):
    en.force_login(cast.admin.user)
    response = en.post(
        reverse("incidents:drill-new"), drill_post(cast, participants=[str(cast.other_teacher.pk)])
    )
    assert response.status_code == 200 and not Drill.objects.exists()


def test_drill_list_queries_do_not_grow(client, cast, django_assert_num_queries):
    client.force_login(cast.admin.user)
    url = reverse("incidents:drills") + "?year=2026"
    client.post(reverse("incidents:drill-new"), drill_post(cast))
    client.get(url)
    with django_assert_num_queries(DRILL_LIST_QUERIES):
        client.get(url)
    for day in (1, 2, 3):
        client.post(
            reverse("incidents:drill-new"),
            drill_post(
                cast,
                held_on=f"2026-03-0{day}",
                participants=[str(cast.guard.pk), str(cast.tech.pk)],
            ),
        )
    with django_assert_num_queries(DRILL_LIST_QUERIES):
        assert client.get(url).content.decode().count("地震应急疏散演练") == 4


def test_a_plan_step_is_ticked_from_the_incident_page(client, cast):
    make_plan(cast)
    incident = make_incident(cast)
    client.force_login(cast.teacher.user)
    page = client.get(reverse("incidents:review", args=[incident.pk])).content.decode()
    assert 'id="plan-step-1"' in page  # the checklist was attached when the page first showed
    step = checklist(incident)["steps"][0]["step"]
    url = reverse("incidents:plan-tick", args=[incident.pk, step.pk])
    client.force_login(cast.other_admin.user)
    assert client.post(url).status_code == 404
    client.force_login(cast.teacher.user)
    assert client.post(url, {"next": "https://evil.example/"}).url == reverse(
        "incidents:review", args=[incident.pk]
    )
    tick = StepTick.objects.get()
    assert tick.done_by == cast.teacher.user


def test_drills_for_feeds_the_annual_record(cast):
    from incidents.queries.plans import drills_for

    services.record_drill(
        school=cast.school,
        held_on=date(2026, 5, 12),
        category="natural",
        scenario="防震演练",
        plan_version=None,
        participants=[cast.guard],
        duration_minutes=15,
        findings="",
        improvements="",
        actor=actor(cast.principal),
    )
    assert [d.scenario for d in drills_for(cast.guard, 2026)] == ["防震演练"]
    assert not drills_for(cast.guard, 2025).exists()


PLAN_LIST_QUERIES = 6
DRILL_LIST_QUERIES = 6
