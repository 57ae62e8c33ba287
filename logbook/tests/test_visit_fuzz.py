"""Property: whatever is typed into the visitor and handover forms, the answer is a saved
record or a form with errors — never a server error, never a half-saved row."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logbook.models import HandoverNote, Visit

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
text = st.text(max_size=60)
maybe_number = st.one_of(text, st.from_regex(r"\d{15,19}[xX]?", fullmatch=True))


@FUZZ
@given(
    name=text,
    phone=st.one_of(text, st.from_regex(r"\+?[\d\- ]{5,20}", fullmatch=True)),
    id_type=st.sampled_from(["resident", "passport", "hk_macao", "taiwan", "other", "x", ""]),
    id_number=maybe_number,
    purpose=text,
    party_size=text,
    time_in=text,
    time_out=text,
)
def test_any_visitor_form_input_saves_or_shows_errors(cast, **fields):
    client = Client()
    client.force_login(cast.guard.user)
    before = Visit.objects.count()
    response = client.post(reverse("logbook:visit-new"), fields)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors
        assert Visit.objects.count() == before


@FUZZ
@given(
    situation=text,
    keys=text,
    gate=st.sampled_from(["ok", "problem", "x", ""]),
    handed_over_at=text,
    room_tidy=text,
    reason=text,
)
def test_any_handover_form_input_saves_or_shows_errors(
    cast, situation, keys, gate, handed_over_at, room_tidy, reason
):
    from logbook.tests.test_handover_views import current_and_next

    if not HandoverNote.objects.exists() and not hasattr(cast, "_duty"):
        cast._duty = current_and_next(cast)
    shift, _nxt, people = cast._duty
    HandoverNote.objects.all().delete()
    client = Client()
    client.force_login(cast.teacher.user)
    form = {
        "situation": situation,
        "keys": keys,
        "radios": "1",
        "registers": "1",
        "mail": "0",
        "cctv": "ok",
        "alarm": "ok",
        "gate": gate,
        "lighting": "ok",
        "handed_over_at": handed_over_at,
        "room_tidy": room_tidy,
    }
    response = client.post(reverse("logbook:handover-new", args=[shift.pk]), form)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert not HandoverNote.objects.exists()
        return
    note = HandoverNote.objects.get()
    client.force_login(people["incoming"].user)
    answer = client.post(reverse("logbook:handover-refuse", args=[note.pk]), {"reason": reason})
    assert answer.status_code in (200, 302)
