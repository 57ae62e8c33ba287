"""Incident pages: reporting on a phone, bad input, permissions, personal data, query counts."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from incidents.categories import Severity, Status
from incidents.models import Incident, IncidentAttachment, IncidentEvent
from incidents.tests.factories_incident import report, shift_now
from notifications.escalation import advance_due_escalations
from notifications.models import Escalation

pytestmark = pytest.mark.django_db

PEOPLE_HURT = "张小明 三年级二班 右臂擦伤"


@pytest.fixture
def client_for(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def login(person):
        client.force_login(person.user)
        return client

    return login


def form_data(**overrides) -> dict:
    when = timezone.localtime() - timedelta(minutes=2)
    data = {
        "category": "accident",
        "subcategory": "injury",
        "severity": Severity.UNRATED,
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "location": "操场",
        "summary": "学生在操场摔倒",
    }
    data.update(overrides)
    return data


def photo(size=(40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, format="PNG")
    return SimpleUploadedFile("现场.png", out.getvalue(), content_type="image/png")


def test_a_teacher_reports_with_a_photo_and_the_escalation_starts(cast, client_for):
    shift = shift_now(cast)
    client = client_for(cast.teacher)
    page = client.get(reverse("incidents:report"))
    assert page.status_code == 200 and b"hx-get" in page.content
    response = client.post(reverse("incidents:report"), {**form_data(), "files": [photo()]})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "incidents:detail", args=[incident.pk]
    )
    assert incident.reporter == cast.teacher and incident.shift == shift
    assert incident.severity == Severity.UNRATED
    assert Escalation.objects.filter(source=f"incident:{incident.pk}").exists()
    attachment = IncidentAttachment.objects.get()
    assert attachment.content_type == "image/jpeg" and attachment.name == "现场.png"
    download = client.get(reverse("incidents:attachment", args=[incident.pk, attachment.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    other = client_for(cast.other_teacher)
    url = reverse("incidents:attachment", args=[incident.pk, attachment.pk])
    assert other.get(url).status_code == 404


def test_the_first_report_may_carry_services_called_people_hurt_and_first_measures(
    cast, client_for
):
    shift_now(cast)
    client = client_for(cast.teacher)
    page = client.get(reverse("incidents:report")).content.decode()
    assert "<details" in page and 'name="services_called"' in page
    extra = {"services_called": ["120", "119"], "casualties_injured": "2",
             "first_measures": "已疏散三楼学生，校医到场"}  # fmt: skip
    assert client.post(reverse("incidents:report"), form_data(**extra)).status_code == 302
    incident = Incident.objects.get()
    assert incident.services_called == ["119", "120"] and incident.casualties_injured == 2
    assert incident.first_measures == "已疏散三楼学生，校医到场"
    assert Escalation.objects.filter(source=f"incident:{incident.pk}").exists()


def test_the_subcategories_follow_the_category(cast, client_for):
    client = client_for(cast.teacher)
    page = client.get(reverse("incidents:subcategories"), {"category": "natural"})
    assert b'value="earthquake"' in page.content and b"fire" not in page.content


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"location": ""}, "location"),
        ({"summary": ""}, "summary"),
        ({"occurred_at": "TOMORROW"}, "occurred_at"),  # in the future, on the real clock
        ({"occurred_at": "2026-02-30T08:00"}, "occurred_at"),
        ({"subcategory": "earthquake"}, "subcategory"),
        ({"severity": "7"}, "severity"),
        ({"casualties_injured": "-1"}, "casualties_injured"),
        ({"services_called": ["999"]}, "services_called"),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_saved(cast, client_for, overrides, field):
    if overrides.get("occurred_at") == "TOMORROW":  # the page checks against the real clock
        tomorrow = timezone.localtime() + timedelta(days=1)
        overrides = {**overrides, "occurred_at": f"{tomorrow:%Y-%m-%dT%H:%M}"}
    client = client_for(cast.teacher)
    response = client.post(reverse("incidents:report"), form_data(**overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors or field in str(form.non_field_errors())
    assert not Incident.objects.exists() and not Escalation.objects.exists()


def test_an_oversized_or_fake_attachment_is_refused_and_nothing_is_saved(cast, client_for):
    client = client_for(cast.teacher)
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (11 * 1024 * 1024))
    response = client.post(reverse("incidents:report"), {**form_data(), "files": [big]})
    assert response.status_code == 400
    assert "too large" in str(response.context["form"].errors["files"])
    fake = SimpleUploadedFile("x.jpg", b"<html><script>alert(1)</script></html>")
    response = client.post(reverse("incidents:report"), {**form_data(), "files": [fake]})
    assert "not a photo or a PDF" in str(response.context["form"].errors["files"])
    assert not Incident.objects.exists() and not IncidentAttachment.objects.exists()


def test_stored_xss_is_escaped_and_extra_fields_are_ignored(cast, client_for):
    shift_now(cast)
    client = client_for(cast.teacher)
    evil = "<script>alert(1)</script>"
    client.post(
        reverse("incidents:report"),
        {
            **form_data(summary=evil, location=evil),
            "school": cast.other_school.pk,
            "status": Status.CLOSED,
            "reporter": cast.principal.pk,
        },
    )
    incident = Incident.objects.get()
    assert incident.school == cast.school and incident.status == Status.REPORTED
    assert incident.reporter == cast.teacher
    page = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert evil.encode() not in page.content and b"&lt;script&gt;" in page.content
    # The edit form ignores them too.
    edit = reverse("incidents:edit", args=[incident.pk])
    data = {**form_data(summary="改"), "school": cast.other_school.pk, "status": "closed"}
    assert client.post(edit, data).status_code == 302
    incident.refresh_from_db()
    assert incident.school == cast.school and incident.status == Status.REPORTED


def test_the_full_report_keeps_its_required_facts(cast, client_for):
    shift_now(cast)
    incident = report(cast)
    client = client_for(cast.teacher)
    edit = reverse("incidents:edit", args=[incident.pk])
    response = client.post(edit, {**form_data(summary=""), "casualties_injured": "2"})
    assert response.status_code == 400 and "summary" in response.context["form"].errors
    incident.refresh_from_db()
    assert incident.casualties_injured == 0
    full = {
        **form_data(),
        "casualties_injured": "2",
        "casualties_dead": "0",
        "casualties_ill": "0",
        "services_called": ["120"],
        "first_measures": "校医现场处理",
        "people_hurt": PEOPLE_HURT,
    }
    assert client.post(edit, full).status_code == 302
    incident.refresh_from_db()
    assert incident.services_called == ["120"] and incident.people_hurt == PEOPLE_HURT
    assert IncidentEvent.objects.filter(incident=incident, kind="updated").count() == 1


def test_only_the_reporter_the_shifts_leaders_and_the_principal_edit(cast, client_for):
    shift_now(cast)
    incident = report(cast)
    edit = reverse("incidents:edit", args=[incident.pk])
    for person in (cast.teacher, cast.leader, cast.principal):
        assert client_for(person).get(edit).status_code == 200, person
    for person, status in (
        (cast.admin, 403),
        (cast.guard, 403),
        (cast.tech, 404),
        (cast.other_teacher, 404),
        (cast.other_admin, 404),
        (cast.official, 404),
    ):
        assert client_for(person).get(edit).status_code == status, person
        assert client_for(person).post(edit, form_data(summary="x")).status_code == status
    incident.refresh_from_db()
    assert incident.summary != "x"


def test_a_teacher_of_another_school_cannot_read_it_by_id(cast, client_for):
    shift_now(cast)
    incident = report(cast)
    client = client_for(cast.other_teacher)
    for name in ("detail", "edit", "acknowledge", "status", "attach"):
        url = reverse(f"incidents:{name}", args=[incident.pk])
        method = client.get if name in ("detail", "edit") else client.post
        assert method(url).status_code == 404, name


def test_only_leaders_acknowledge_and_move_the_status(cast, client_for):
    shift_now(cast)
    incident = report(cast)
    ack = reverse("incidents:acknowledge", args=[incident.pk])
    assert client_for(cast.teacher).post(ack).status_code == 403
    assert client_for(cast.teacher).get(ack).status_code == 405
    assert client_for(cast.leader).post(ack).status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    status = reverse("incidents:status", args=[incident.pk])
    assert client_for(cast.guard).post(status, {"to": "responding"}).status_code == 403
    client_for(cast.principal).post(status, {"to": "responding"})
    incident.refresh_from_db()
    assert incident.status == Status.RESPONDING
    client_for(cast.principal).post(status, {"to": "closed"})  # refused with a message
    incident.refresh_from_db()
    assert incident.status == Status.RESPONDING


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("teacher", True),  # the reporter
        ("leader", True),
        ("principal", True),
        ("admin", True),
        ("official", True),  # escalated to the bureau
        ("guard", False),  # on the shift, not the reporter
    ],
)
def test_the_names_of_hurt_children_are_shown_only_to_who_needs_them(cast, client_for, who, sees):
    shift_now(cast)
    incident = report(cast, severity=Severity.II)
    from incidents.services.incident import update_incident

    update_incident(
        incident=incident, actor=cast.teacher.user, changes={"people_hurt": PEOPLE_HURT}
    )
    advance_due_escalations()
    page = client_for(getattr(cast, who)).get(reverse("incidents:detail", args=[incident.pk]))
    assert page.status_code == 200
    assert (PEOPLE_HURT.encode() in page.content) is sees
    edit = client_for(getattr(cast, who)).get(reverse("incidents:edit", args=[incident.pk]))
    if edit.status_code == 200:
        assert (PEOPLE_HURT.encode() in edit.content) is sees


def test_the_bureau_sees_only_incidents_escalated_to_it(cast, client_for):
    shift_now(cast)
    low = report(cast, severity=Severity.IV, location="low")
    high = report(cast, severity=Severity.I, location="high")
    advance_due_escalations()
    client = client_for(cast.official)
    page = client.get(reverse("incidents:bureau"))
    assert [i.pk for i in page.context["page"]] == [high.pk]
    assert client.get(reverse("incidents:detail", args=[low.pk])).status_code == 404
    detail = client.get(reverse("incidents:detail", args=[high.pk]))
    assert detail.status_code == 200 and not detail.context["can_edit"]
    assert not detail.context["can_manage"]
    assert client.post(reverse("incidents:acknowledge", args=[high.pk])).status_code == 403
    assert client.get(reverse("incidents:list")).status_code == 403
    other = client_for(cast.other_official)
    assert other.get(reverse("incidents:detail", args=[high.pk])).status_code == 404


def test_a_teacher_lists_their_own_and_their_shifts_incidents(cast, client_for):
    shift_now(cast)
    mine = report(cast)
    guards = report(cast, reporter=cast.guard)
    now = timezone.now()
    elsewhere = report(cast, reporter=cast.tech, occurred_at=now - timedelta(days=5), now=now)
    page = client_for(cast.teacher).get(reverse("incidents:list"))
    assert {i.pk for i in page.context["page"]} == {mine.pk, guards.pk}
    page = client_for(cast.leader).get(reverse("incidents:list"), {"status": "open"})
    assert {i.pk for i in page.context["page"]} == {mine.pk, guards.pk, elsewhere.pk}
    page = client_for(cast.leader).get(reverse("incidents:list"), {"q": "三楼", "severity": "4"})
    assert len(page.context["page"]) == 3
    assert not client_for(cast.other_teacher).get(reverse("incidents:list")).context["page"]


def test_the_timeline_shows_each_notice_and_to_whom(cast, client_for):
    shift_now(cast)
    incident = report(cast, severity=Severity.III)
    advance_due_escalations()
    page = client_for(cast.principal).get(reverse("incidents:detail", args=[incident.pk]))
    kinds = [entry["kind"] for entry in page.context["timeline"]]
    assert kinds == ["reported", "notice"]
    notices = page.context["timeline"][1]["notices"]
    assert {n["to"] for n in notices} == {cast.leader.name, cast.principal.name}
    assert cast.principal.name.encode() in page.content


def _many(cast, n):
    now = timezone.now()
    for i in range(n):
        report(cast, severity=["1", "2", "3", "4", "9"][i % 5], location=f"地点{i}", now=now)
    advance_due_escalations(limit=100)


@pytest.mark.parametrize("name", ["incidents:list", "incidents:dashboard", "incidents:bureau"])
def test_list_and_dashboard_queries_do_not_grow_with_data(
    cast, client_for, django_assert_num_queries, name
):
    shift_now(cast)
    person = cast.official if name == "incidents:bureau" else cast.principal
    client = client_for(person)
    _many(cast, 2)
    client.get(reverse(name))  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(name)).status_code == 200
    _many(cast, 12)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_the_admin_edits_the_escalation_policy(cast, client_for):
    client = client_for(cast.admin)
    url = reverse("incidents:policy") + "?severity=3"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"step1_targets": ["shift_leader"], "step1_wait": "2", "step2_targets": ["bureau"]}
    )
    assert response.status_code == 302
    from incidents.services.incident import policy_steps

    assert policy_steps(school=cast.school, severity="3") == [
        {"targets": ["shift_leader"], "wait_minutes": 2},
        {"targets": ["bureau"], "wait_minutes": 0},
    ]
    bad = client.post(url, {"step1_wait": "5"})
    assert bad.status_code == 400
    assert client_for(cast.principal).get(url).status_code == 403
