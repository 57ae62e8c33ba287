"""Property tests (RELIABILITY.md "Bad input"): for any input the hazard and patrol forms either
save or show errors — never a 5xx — and a failed photo leaves no file behind."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logbook.models import Hazard, HazardStatus, PatrolResult, PatrolRound
from logbook.services import patrol as patrol_services
from logbook.tests.test_patrol_services import actor, shift_covering, small_checklist

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
text = st.text(max_size=300)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_in(media) -> int:
    return sum(1 for p in media.rglob("*") if p.is_file()) if media.exists() else 0


choice = st.sampled_from(["", "other", "fire", "major", "general", "closed", "x" * 20])


@FUZZ
@given(
    location=text, description=text, category=choice, severity=choice,
    photo=st.binary(max_size=500),
)  # fmt: skip
def test_any_hazard_report_saves_or_shows_errors(client, cast, media, **fields):
    photo = fields.pop("photo")
    client.force_login(cast.teacher.user)
    before = (Hazard.objects.count(), files_in(media))
    if photo:
        fields["photo"] = SimpleUploadedFile("p.jpg", photo, "image/jpeg")
    response = client.post(reverse("logbook:hazard-new"), fields)
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # errors shown: no row, no file
        assert (Hazard.objects.count(), files_in(media)) == before


@FUZZ
@given(due_date=st.one_of(text, st.dates().map(str)), due_kind=choice, cost=text, note=text)
def test_any_assignment_or_fix_saves_or_shows_errors(client, cast, due_date, due_kind, cost, note):
    hazard = Hazard.objects.filter(school=cast.school).first()
    if hazard is None:
        from logbook.services.hazard import report_hazard

        hazard = report_hazard(school=cast.school, location="x", description="y",
                               actor=actor(cast.teacher))  # fmt: skip
    client.force_login(cast.admin.user)
    response = client.post(reverse("logbook:hazard-assign", args=[hazard.pk]), {
        "responsible": cast.tech.pk, "due_kind": due_kind, "due_date": due_date,
        "severity": "general", "category": "other", "measures": note,
    })  # fmt: skip
    assert response.status_code in (200, 302)
    response = client.post(reverse("logbook:hazard-fix", args=[hazard.pk]),
                           {"result": note, "cost": cost})  # fmt: skip
    assert response.status_code in (200, 302)
    hazard.refresh_from_db()
    assert hazard.status in (HazardStatus.OPEN, HazardStatus.ASSIGNED, HazardStatus.FIXED)


@FUZZ
@given(status=choice | st.sampled_from(["ok", "problem"]), note=st.text(max_size=3000))
def test_any_patrol_result_saves_or_shows_errors(client, cast, status, note):
    patrol = PatrolRound.objects.filter(started_by=cast.teacher).first()
    if patrol is None:
        small_checklist(cast.school)
        patrol = patrol_services.start_round(
            shift=shift_covering(cast, timezone.now()), actor=actor(cast.teacher)
        )
    client.force_login(cast.teacher.user)
    url = reverse("logbook:round-record", args=[patrol.pk, patrol.due_item_ids[0]])
    response = client.post(url, {"status": status, "note": note})
    assert response.status_code in (200, 302)
    saved = PatrolResult.objects.filter(round=patrol).first()
    if response.status_code == 302:
        assert saved.status == status
