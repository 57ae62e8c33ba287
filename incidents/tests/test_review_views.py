"""The review pages: write, submit, send back then accept; permissions by id; bad input;
query counts of the queue and the report page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents.models import CorrectiveAction, PostIncidentReport, ReportStatus
from incidents.services import review as services
from incidents.tests.factories_review import NOW, REPORT, actor, make_incident, write_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def form_data(cast, **extra):
    return {
        **REPORT,
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "0",
        "form-0-text": "更换电线",
        "form-0-owner": str(cast.tech.pk),
        "form-0-due_on": "2026-12-20",
        **extra,
    }


def test_the_reporter_writes_and_submits_then_the_principal_sends_back_and_accepts(en, cast):
    incident = make_incident(cast)
    en.force_login(cast.teacher.user)
    page = en.get(reverse("incidents:review", args=[incident.pk]))
    assert b'id="review-edit"' in page.content and b"review-accept" not in page.content
    response = en.post(reverse("incidents:review-edit", args=[incident.pk]), form_data(cast))
    assert response.status_code == 302
    en.post(reverse("incidents:review-submit", args=[incident.pk]))

    en.force_login(cast.principal.user)
    page = en.get(reverse("incidents:review", args=[incident.pk]))
    assert b'id="review-accept"' in page.content and b'id="review-send-back"' in page.content
    decide = reverse("incidents:review-decide", args=[incident.pk])
    en.post(decide, {"decision": "return", "comment": ""})  # refused: a comment is required
    assert PostIncidentReport.objects.get().status == ReportStatus.SUBMITTED
    en.post(decide, {"decision": "return", "comment": "请补充原因"})
    assert PostIncidentReport.objects.get().status == ReportStatus.RETURNED

    en.force_login(cast.teacher.user)
    page = en.get(reverse("incidents:review", args=[incident.pk]))
    assert "请补充原因" in page.content.decode()
    en.post(
        reverse("incidents:review-edit", args=[incident.pk]),
        {
            **form_data(cast),
            "causes": "线路老化",
            "form-INITIAL_FORMS": "1",
            "form-0-pk": str(CorrectiveAction.objects.get().pk),
        },
    )
    en.post(reverse("incidents:review-submit", args=[incident.pk]))
    en.force_login(cast.principal.user)
    en.post(decide, {"decision": "accept", "comment": ""})
    report = PostIncidentReport.objects.get()
    assert report.status == ReportStatus.ACCEPTED and report.versions.count() == 2
    assert CorrectiveAction.objects.count() == 1
    assert services.can_close(incident)


def test_another_school_gets_404_for_every_review_url(client, cast):
    incident = make_incident(cast)
    report = write_report(cast, incident)
    action = report.actions.get()
    client.force_login(cast.other_admin.user)
    for name in ("review", "review-edit", "print"):
        assert client.get(reverse(f"incidents:{name}", args=[incident.pk])).status_code == 404
    for name in ("review-edit", "review-submit", "review-decide"):
        assert (
            client.post(
                reverse(f"incidents:{name}", args=[incident.pk]), form_data(cast)
            ).status_code
            == 404
        )
    assert client.post(reverse("incidents:action-done", args=[action.pk])).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.process == REPORT["process"]


def test_a_teacher_cannot_accept_and_only_the_principal_reviews(client, cast):
    incident = make_incident(cast)
    report = write_report(cast, incident)
    services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    decide = reverse("incidents:review-decide", args=[incident.pk])
    for someone in (cast.teacher, cast.leader, cast.admin):
        client.force_login(someone.user)
        assert client.post(decide, {"decision": "accept"}).status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_teacher_who_is_not_a_writer_cannot_edit(client, cast):
    incident = make_incident(cast, reporter=cast.guard)
    client.force_login(cast.teacher.user)  # not the reporter, not on its shift: cannot read it
    assert client.get(reverse("incidents:review-edit", args=[incident.pk])).status_code == 404
    client.force_login(cast.principal.user)  # reads it, reviews it, does not write it
    assert client.get(reverse("incidents:review-edit", args=[incident.pk])).status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        {"form-0-due_on": "2026-02-30"},
        {"form-0-owner": ""},
        {"form-0-text": ""},
        {"form-0-owner": "999999"},
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_saved(en, cast, change):
    incident = make_incident(cast)
    en.force_login(cast.teacher.user)
    response = en.post(
        reverse("incidents:review-edit", args=[incident.pk]), form_data(cast, **change)
    )
    assert response.status_code == 200
    assert b"invalid-feedback" in response.content
    assert not PostIncidentReport.objects.exists() and not CorrectiveAction.objects.exists()


def test_an_owner_of_another_school_is_not_offered_nor_accepted(en, cast):
    incident = make_incident(cast)
    en.force_login(cast.teacher.user)
    response = en.post(
        reverse("incidents:review-edit", args=[incident.pk]),
        form_data(cast, **{"form-0-owner": str(cast.other_teacher.pk)}),
    )
    assert response.status_code == 200
    assert not CorrectiveAction.objects.exists()


def test_script_is_escaped_and_extra_fields_are_ignored(en, cast):
    incident = make_incident(cast)
    en.force_login(cast.teacher.user)
    en.post(
        reverse("incidents:review-edit", args=[incident.pk]),
        form_data(
            cast,
            process="<script>alert(1)</script>",
            status="accepted",
            school=str(cast.other_school.pk),
            author=str(cast.principal.user_id),
        ),
    )
    report = PostIncidentReport.objects.get()
    assert report.status == ReportStatus.DRAFT and report.school_id == cast.school.pk
    assert report.author_id == cast.teacher.user_id
    page = en.get(reverse("incidents:review", args=[incident.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert not services.can_close(incident)


def test_the_owner_marks_an_action_done(client, cast):
    incident = make_incident(cast)
    action = write_report(cast, incident).actions.get()
    client.force_login(cast.guard.user)  # neither owner nor writer nor principal
    assert client.post(reverse("incidents:action-done", args=[action.pk])).status_code == 403
    client.force_login(cast.tech.user)
    assert client.post(reverse("incidents:action-done", args=[action.pk])).status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.done_by == cast.tech.user


def _queue_data(cast, n):
    for _i in range(n):
        incident = make_incident(cast)
        report = write_report(cast, incident)
        services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
        make_incident(cast)


def test_the_queue_page_makes_the_same_queries_whatever_the_data(
    client, cast, django_assert_num_queries
):
    client.force_login(cast.principal.user)
    url = reverse("incidents:reviews")
    _queue_data(cast, 1)
    client.get(url)  # the first request after login also touches the session
    with django_assert_num_queries(QUEUE_QUERIES):
        assert client.get(url).status_code == 200
    _queue_data(cast, 4)
    with django_assert_num_queries(QUEUE_QUERIES):
        page = client.get(url)
    assert page.content.count(b"list-group-item-action") == 5 + 5 + 5  # review, report, actions


def test_the_report_page_makes_the_same_queries_whatever_the_rounds(
    client, cast, django_assert_num_queries
):
    incident = make_incident(cast)
    report = write_report(cast, incident)
    services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    client.force_login(cast.principal.user)
    url = reverse("incidents:review", args=[incident.pk])
    client.get(url)  # attaches no plan (none exists) but warms nothing either
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(url)
    for _i in range(3):
        services.decide_report(
            report=report, actor=actor(cast.principal), accept=False, comment="再改", now=NOW
        )
        services.save_report(
            incident=incident,
            actor=actor(cast.teacher),
            fields=REPORT,
            actions=[services.ActionInput(text="再加一条", owner=cast.guard, due_on=NOW.date())],
        )
        services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(url).content.count(b"review-version-") == 4


QUEUE_QUERIES = 7
DETAIL_QUERIES = 14
