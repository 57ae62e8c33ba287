"""Patrol pages: the checklist editor and its QR sheet (office only), rounds through the views,
QR scans, the school boundary on every id, and query counts that do not grow with data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from logbook.models import Checkpoint, PatrolItem, PatrolResult, PatrolRound, PatrolScan
from logbook.queries.patrol import now_panel
from logbook.services import patrol as services
from logbook.tests.test_patrol_services import actor, shift_covering, small_checklist

pytestmark = pytest.mark.django_db
# session, user, staff, roles, checkpoints, items
CHECKLIST_QUERIES = 6
ROUND_QUERIES = 9  # + the round, its items, results, photos, scans


@pytest.fixture(autouse=True)
def english(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_the_checklist_page_is_for_the_office_only(client, cast):
    url = reverse("logbook:checklists")
    for person in (cast.teacher, cast.leader, cast.guard):
        client.force_login(person.user)
        assert client.get(url).status_code == 403
    client.force_login(cast.admin.user)
    assert client.get(url).status_code == 200


def _queries_for(client, url) -> int:
    client.get(url)  # warm: the session and the per-process caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_checklist_page_query_count_does_not_grow(client, cast):
    client.force_login(cast.admin.user)
    url = reverse("logbook:checklists")
    small_checklist(cast.school)
    assert _queries_for(client, url) == CHECKLIST_QUERIES
    services.install_standard_checklist(school=cast.school, actor=actor(cast.admin))
    assert Checkpoint.objects.count() > 10
    assert _queries_for(client, url) == CHECKLIST_QUERIES


def test_loading_the_standard_checklist_and_editing_it(client, cast):
    client.force_login(cast.admin.user)
    response = client.post(reverse("logbook:checklist-standard"), follow=True)
    assert "Standard checklist loaded" in response.content.decode()
    assert "灭火器" in response.content.decode()
    fire = Checkpoint.objects.get(school=cast.school, area="消防")
    response = client.post(
        reverse("logbook:item-new", args=[fire.pk]),
        {"text": "消防水箱水位", "frequency": "weekly", "order": 99},
    )
    item = PatrolItem.objects.get(text="消防水箱水位")
    assert item.frequency == "weekly"
    client.post(reverse("logbook:item-active", args=[item.pk]), {"active": "0"})
    assert not PatrolItem.objects.get(pk=item.pk).active
    client.post(reverse("logbook:checkpoint", args=[fire.pk]),
                {"area": "消防设施", "location": "教学楼", "order": 5})  # fmt: skip
    fire.refresh_from_db()
    assert (fire.area, fire.location) == ("消防设施", "教学楼")
    client.post(reverse("logbook:checkpoint-active", args=[fire.pk]), {"active": "0"})
    assert not Checkpoint.objects.get(pk=fire.pk).active
    page = client.get(reverse("logbook:checkpoint", args=[fire.pk])).content.decode()
    assert "data-confirm" in page or "Activate" in page


def test_another_schools_checkpoints_and_items_are_404(client, cast):
    items = small_checklist(cast.school)
    client.force_login(cast.other_admin.user)
    gate = items["shift"].checkpoint
    assert client.get(reverse("logbook:checkpoint", args=[gate.pk])).status_code == 404
    assert client.get(reverse("logbook:item", args=[items["shift"].pk])).status_code == 404
    assert client.post(reverse("logbook:item-active", args=[items["shift"].pk]),
                       {"active": "0"}).status_code == 404  # fmt: skip
    assert PatrolItem.objects.get(pk=items["shift"].pk).active


def test_the_qr_sheet_is_a_pdf_with_one_code_per_checkpoint(client, cast):
    small_checklist(cast.school)
    client.force_login(cast.admin.user)
    response = client.get(reverse("logbook:checklist-qr"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_round_through_the_pages_start_scan_record_finish(client, cast):
    items = small_checklist(cast.school)
    shift = shift_covering(cast, timezone.now())
    client.force_login(cast.teacher.user)
    home = client.get(reverse("logbook:patrol")).content.decode()
    assert 'id="patrol-start"' in home
    response = client.post(reverse("logbook:round-start"), {"shift": shift.pk})
    patrol = PatrolRound.objects.get()
    assert response["Location"] == reverse("logbook:round", args=[patrol.pk])
    gate = items["shift"].checkpoint
    scan_url = reverse("logbook:scan", args=[gate.token])
    page = client.get(scan_url).content.decode()
    assert "data-autosubmit" in page and not PatrolScan.objects.exists()  # GET changes nothing
    response = client.post(scan_url)
    assert response["Location"].endswith(f"#cp-{gate.pk}")
    assert PatrolScan.objects.get().checkpoint == gate
    record = reverse("logbook:round-record", args=[patrol.pk, items["shift"].pk])
    response = client.post(record, {"status": "problem", "note": "锁坏了"})
    assert response.status_code == 302
    page = client.get(reverse("logbook:round", args=[patrol.pk])).content.decode()
    result = PatrolResult.objects.get()
    assert f'id="open-hazard-{result.pk}"' in page and "1 of 3 items recorded" in page
    response = client.post(record, {"status": "maybe"})
    assert response.status_code == 200 and PatrolResult.objects.get().status == "problem"
    client.post(reverse("logbook:round-finish", args=[patrol.pk]))
    assert PatrolRound.objects.get().finished_at is not None


def test_scanning_without_a_round_says_to_start_one(client, cast):
    items = small_checklist(cast.school)
    client.force_login(cast.teacher.user)
    url = reverse("logbook:scan", args=[items["shift"].checkpoint.token])
    assert "Start a patrol round first" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert "Start a patrol round first" in response.content.decode()
    assert not PatrolScan.objects.exists()
    client.force_login(cast.other_teacher.user)
    assert client.get(url).status_code == 404


def test_rounds_are_private_to_the_patroller_and_the_leadership(client, cast):
    small_checklist(cast.school)
    shift = shift_covering(cast, timezone.now())
    patrol = services.start_round(shift=shift, actor=actor(cast.teacher))
    url = reverse("logbook:round", args=[patrol.pk])
    for person, status in [(cast.teacher, 200), (cast.leader, 200), (cast.principal, 200),
                           (cast.admin, 200), (cast.guard, 403), (cast.other_teacher, 404),
                           (cast.other_admin, 404)]:  # fmt: skip
        client.force_login(person.user)
        assert client.get(url).status_code == status, person
    client.force_login(cast.leader.user)  # may read, may not write
    item_pk = patrol.due_item_ids[0]
    response = client.post(reverse("logbook:round-record", args=[patrol.pk, item_pk]),
                           {"status": "ok"})  # fmt: skip
    assert response.status_code == 403 and not PatrolResult.objects.exists()
    assert client.post(reverse("logbook:round-finish", args=[patrol.pk])).status_code == 403


def test_a_teacher_not_on_duty_cannot_start_a_round(client, cast):
    small_checklist(cast.school)
    shift = shift_covering(cast, timezone.now())
    client.force_login(cast.tech.user)
    assert 'id="patrol-start"' not in client.get(reverse("logbook:patrol")).content.decode()
    client.post(reverse("logbook:round-start"), {"shift": shift.pk})
    assert not PatrolRound.objects.exists()


def test_the_round_page_query_count_does_not_grow(client, cast):
    small_checklist(cast.school)
    shift = shift_covering(cast, timezone.now())
    patrol = services.start_round(shift=shift, actor=actor(cast.teacher))
    client.force_login(cast.teacher.user)
    url = reverse("logbook:round", args=[patrol.pk])
    item = PatrolItem.objects.get(pk=patrol.due_item_ids[0])
    services.record_result(patrol=patrol, item=item, status="ok", actor=actor(cast.teacher))
    assert _queries_for(client, url) == ROUND_QUERIES
    for pk in patrol.due_item_ids[1:]:
        services.record_result(patrol=patrol, item=PatrolItem.objects.get(pk=pk),
                               status="problem", actor=actor(cast.teacher))  # fmt: skip
        services.scan_checkpoint(token=PatrolItem.objects.get(pk=pk).checkpoint.token,
                                 actor=actor(cast.teacher))  # fmt: skip
    assert _queries_for(client, url) == ROUND_QUERIES


def test_the_now_panel_offers_a_start_then_the_open_round(cast):
    small_checklist(cast.school)
    shift = shift_covering(cast, timezone.now())
    panel = now_panel(actor=actor(cast.teacher), shift=shift)
    assert panel["can_start"] and panel["open_round"] is None
    patrol = services.start_round(shift=shift, actor=actor(cast.teacher))
    panel = now_panel(actor=actor(cast.teacher), shift=shift)
    assert panel["open_round"] == patrol and not panel["can_start"]
    assert [r.due for r in panel["rounds"]] == [3]
    assert now_panel(actor=actor(cast.tech), shift=None) is None


def test_the_on_duty_now_page_shows_the_patrol_and_hazard_panels(client, cast):
    small_checklist(cast.school)
    shift_covering(cast, timezone.now())
    client.force_login(cast.teacher.user)
    page = client.get(reverse("logbook:now")).content.decode()
    assert 'id="patrol-start"' in page and 'id="hazard-report"' in page
