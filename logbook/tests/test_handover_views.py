"""Handover pages: write from the outgoing shift, view, accept or refuse on the incoming shift,
read-only after the decision; another school's note by id is a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from logbook.models import HandoverNote, HandoverStatus
from logbook.queries import handover as queries
from logbook.services.handover import next_shift
from logbook.tests.factories import make_roster, put_on_duty
from logbook.tests.test_visit_views import recent
from notifications.models import Notice
from roster.models import Shift
from staff.models import Role
from staff.queries import actor_for
from staff.tests.factories import make_staff

pytestmark = pytest.mark.django_db


def current_and_next(cast) -> tuple[Shift, Shift, dict]:
    """Whatever the real time, the shift running now (cast.leader, teacher, guard) and the next
    one (the principal, a night teacher)."""
    today = timezone.localdate()
    roster = make_roster(cast.school, start=today - timedelta(days=1), days=3)
    now = timezone.now()
    shift = roster.shifts.get(starts_at__lte=now, ends_at__gt=now)
    put_on_duty(
        shift, (cast.leader, Role.LEADER), (cast.teacher, Role.TEACHER), (cast.guard, Role.GUARD)
    )
    nxt = next_shift(shift)
    incoming = make_staff(cast.school, Role.TEACHER, name="接班老师")
    put_on_duty(nxt, (cast.principal, Role.LEADER), (incoming, Role.TEACHER))
    return shift, nxt, {"incoming": incoming}


@pytest.fixture
def duty(cast):
    return current_and_next(cast)


@pytest.fixture
def as_user(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def log_in(staff):
        client.force_login(staff.user)
        return client

    return log_in


FORM = {
    "situation": "一切正常 <b>bold</b>",
    "cctv": "ok",
    "alarm": "ok",
    "gate": "ok",
    "lighting": "problem",
    "equipment_note": "操场灯坏一盏",
    "keys": "12",
    "radios": "2",
    "registers": "1",
    "mail": "0",
    "follow_ups": "三楼窗户待修",
    "cautions": "",
    "room_tidy": "1",
}


def written(cast, duty, client=None) -> HandoverNote:
    shift, _nxt, _people = duty
    (client or _client(cast)).post(reverse("logbook:handover-new", args=[shift.pk]), FORM)
    return HandoverNote.objects.get()


def _client(cast):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cast.teacher.user)
    return client


def test_the_outgoing_teacher_writes_the_handover_from_the_form(cast, duty, as_user):
    shift, nxt, _people = duty
    visitor = recent(cast)
    client = as_user(cast.teacher)
    page = client.get(reverse("logbook:handover-new", args=[shift.pk]))
    assert page.status_code == 200 and 'id="handover-form"' in page.content.decode()
    response = client.post(
        reverse("logbook:handover-new", args=[shift.pk]),
        {**FORM, "school": cast.other_school.pk, "status": "accepted"},
    )
    note = HandoverNote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("logbook:handover-detail", args=[note.pk])
    assert (note.to_shift, note.status, note.school) == (nxt, HandoverStatus.PENDING, cast.school)
    assert (note.lighting, note.keys, note.room_tidy) == ("problem", 12, True)
    assert list(note.carried_visits.all()) == [visitor]
    detail = client.get(response["Location"]).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in detail and visitor.name in detail
    assert 'id="handover-accept"' not in detail  # the outgoing shift cannot accept its own


def test_bad_counts_are_a_clear_error_and_nothing_is_saved(cast, duty, as_user):
    shift, _nxt, _people = duty
    client = as_user(cast.teacher)
    for bad in (
        {"keys": "-1"},
        {"keys": "abc"},
        {"situation": ""},
        {"gate": "broken"},
        {"handed_over_at": "2026-02-30T10:00"},
    ):
        response = client.post(reverse("logbook:handover-new", args=[shift.pk]), {**FORM, **bad})
        assert response.status_code == 200 and response.context["form"].errors, bad
    assert not HandoverNote.objects.exists()


def test_someone_not_on_the_shift_cannot_open_the_write_form(cast, duty, as_user):
    shift, _nxt, people = duty
    assert (
        as_user(people["incoming"])
        .get(reverse("logbook:handover-new", args=[shift.pk]))
        .status_code
        == 403
    )
    assert (
        as_user(cast.other_teacher)
        .get(reverse("logbook:handover-new", args=[shift.pk]))
        .status_code
        == 404
    )


def test_the_incoming_teacher_accepts_and_the_note_becomes_read_only(cast, duty, as_user):
    note = written(cast, duty)
    _shift, _nxt, people = duty
    client = as_user(people["incoming"])
    page = client.get(reverse("logbook:handover-detail", args=[note.pk])).content.decode()
    assert 'id="handover-accept"' in page
    client.post(reverse("logbook:handover-accept", args=[note.pk]))
    note.refresh_from_db()
    assert note.status == HandoverStatus.ACCEPTED and note.decided_by == people["incoming"].user
    page = client.get(reverse("logbook:handover-detail", args=[note.pk])).content.decode()
    assert 'id="handover-accept"' not in page and 'id="handover-responsibility"' in page
    client.post(reverse("logbook:handover-refuse", args=[note.pk]), {"reason": "晚了"})
    note.refresh_from_db()
    assert note.status == HandoverStatus.ACCEPTED


def test_someone_not_on_the_incoming_shift_cannot_accept(cast, duty, as_user):
    note = written(cast, duty)
    for person in (cast.teacher, cast.admin, cast.leader):
        client = as_user(person)
        assert client.post(reverse("logbook:handover-accept", args=[note.pk])).status_code == 403
    assert (
        as_user(cast.tech).get(reverse("logbook:handover-detail", args=[note.pk])).status_code
        == 403
    )
    note.refresh_from_db()
    assert note.status == HandoverStatus.PENDING


@pytest.mark.parametrize("who", ["other_teacher", "other_admin"])
def test_another_school_s_note_is_a_404(cast, duty, as_user, who):
    note = written(cast, duty)
    client = as_user(getattr(cast, who))
    assert client.get(reverse("logbook:handover-detail", args=[note.pk])).status_code == 404
    assert client.post(reverse("logbook:handover-accept", args=[note.pk])).status_code == 404
    assert (
        client.post(reverse("logbook:handover-refuse", args=[note.pk]), {"reason": "x"}).status_code
        == 404
    )


def test_a_refusal_without_a_reason_is_an_error_with_one_the_leader_is_told(cast, duty, as_user):
    note = written(cast, duty)
    _shift, _nxt, people = duty
    client = as_user(people["incoming"])
    response = client.post(reverse("logbook:handover-refuse", args=[note.pk]), {"reason": ""})
    assert response.status_code == 200 and "reason" in response.context["refuse_form"].errors
    note.refresh_from_db()
    assert note.status == HandoverStatus.PENDING
    client.post(reverse("logbook:handover-refuse", args=[note.pk]), {"reason": "对讲机少一台"})
    note.refresh_from_db()
    assert note.status == HandoverStatus.REFUSED
    told = set(
        Notice.objects.filter(event=f"handover:{note.pk}:refused").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {cast.leader.user_id, cast.principal.user_id}


def test_state_changes_by_get_are_refused(cast, duty, as_user):
    note = written(cast, duty)
    _shift, _nxt, people = duty
    client = as_user(people["incoming"])
    assert client.get(reverse("logbook:handover-accept", args=[note.pk])).status_code == 405


def test_the_now_panels_show_the_way_in_and_out(cast, duty, rf):
    from django.template.loader import render_to_string

    shift, nxt, people = duty
    out = queries.now_panel(actor=actor_for(cast.teacher.user), shift=shift)
    assert out["outgoing"]["note"] is None and out["outgoing"]["next"] == nxt
    request = rf.get("/")
    request.user = cast.teacher.user
    html = render_to_string("logbook/handover/_now_panel.html", {"panel": out}, request=request)
    assert reverse("logbook:handover-new", args=[shift.pk]) in html
    note = written(cast, duty)
    out = queries.now_panel(actor=actor_for(cast.teacher.user), shift=shift)
    assert out["outgoing"]["note"] == note
    if nxt.starts_at <= timezone.now() + queries.INCOMING_LEAD:
        incoming = queries.now_panel(actor=actor_for(people["incoming"].user), shift=None)
        assert incoming["incoming"] == [note]
    assert queries.now_panel(actor=actor_for(cast.other_teacher.user), shift=None) is None
