"""In a real browser at phone width (390 px): the outgoing teacher writes the handover and the
next shift's teacher accepts it; screenshots are saved."""

from __future__ import annotations

import pytest

from logbook.models import HandoverNote, HandoverStatus
from logbook.tests.test_handover_views import current_and_next
from logbook.tests.test_visit_browser import fits_phone
from logbook.tests.test_visit_views import recent
from tests.browserkit import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_handover_is_written_and_the_next_shift_accepts_it_on_a_phone(
    live_server, page, shoot, cast
):
    shift, nxt, people = current_and_next(cast)
    visitor = recent(cast)
    log_in(page, live_server.url, cast.teacher)
    page.goto(f"{live_server.url}/logbook/handover/from/{shift.pk}/")
    page.fill("#id_situation", "白天正常，下午家长会已结束。")
    page.select_option("#id_gate", "problem")
    page.fill("#id_equipment_note", "东门门禁反应慢")
    page.fill("#id_keys", "12")
    page.fill("#id_radios", "2")
    page.fill("#id_follow_ups", "三楼窗户待修")
    fits_phone(page, "handover form")
    shoot(page, "handover-form-390")
    with page.expect_navigation():
        page.click("#handover-send")
    note = HandoverNote.objects.get()
    assert page.locator("#handover-status").get_attribute("data-status") == "pending"
    assert visitor.name in page.locator("#handover-visitors").inner_text()
    fits_phone(page, "handover sent")
    shoot(page, "handover-sent-390")

    page.context.clear_cookies()
    log_in(page, live_server.url, people["incoming"])
    page.goto(f"{live_server.url}/logbook/handover/{note.pk}/")
    fits_phone(page, "handover to accept")
    shoot(page, "handover-to-accept-390")
    with page.expect_navigation():
        page.click("#handover-accept")
    assert page.locator("#handover-status").get_attribute("data-status") == "accepted"
    page.locator("#handover-responsibility").wait_for()
    assert page.locator("#handover-accept").count() == 0  # read-only after the decision
    note.refresh_from_db()
    assert note.status == HandoverStatus.ACCEPTED and note.to_shift == nxt
    fits_phone(page, "handover accepted")
    shoot(page, "handover-accepted-390")
