"""A patrol on a phone (390 px) in a real browser: start a round, mark an item as a problem
with a photo from the camera input, open a hazard from it in one tap; and a QR scan that stamps
the time. Every page must fit the phone's width with large tap targets; screenshots are saved
(SCREENSHOT_DIR, or pytest's tmp_path)."""

from __future__ import annotations

import io
import re
from functools import partial
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from logbook.models import EvidencePhoto, Hazard, PatrolResult, PatrolScan
from logbook.tests.test_patrol_services import shift_covering, small_checklist
from staff.tests.factories import PASSWORD
from tests import browserkit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
fits_phone = partial(browserkit.fits_phone, selector=browserkit.NAV_TARGETS)


@pytest.fixture
def page(page, settings, tmp_path):
    """The kit's phone page; uploads land in tmp_path, passwords hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return page


def log_in(page, base: str, staff) -> None:
    staff.user.set_password(PASSWORD)
    staff.user.save(update_fields=["password"])
    browserkit.log_in(page, base, staff)


def camera_photo(tmp_path) -> Path:
    path = tmp_path / "IMG_2041.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (180, 60, 40)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_patrol_with_a_problem_photo_and_a_hazard_in_one_tap(live_server, page, shoot, cast,
                                                              tmp_path):  # fmt: skip
    items = small_checklist(cast.school)
    shift_covering(cast, timezone.now())
    base = live_server.url
    log_in(page, base, cast.teacher)

    page.goto(f"{base}/logbook/patrol/")
    fits_phone(page, "patrol home")
    shoot(page, "1-home")
    with page.expect_navigation():
        page.click("#patrol-start")
    assert "/logbook/patrol/rounds/" in page.url
    fits_phone(page, "round")
    shoot(page, "2-round")

    gate = items["shift"]
    card = page.locator(f"#item-{gate.pk}")
    card.locator(".result-problem").click()
    card.locator(".patrol-note").fill("南门锁舌断裂，无法上锁")
    card.locator(".patrol-photo").set_input_files(str(camera_photo(tmp_path)))
    with page.expect_navigation():
        card.locator(".patrol-save").click()
    result = PatrolResult.objects.get(item=gate)
    assert result.status == "problem" and result.photos.count() == 1
    button = page.locator(f"#open-hazard-{result.pk}")
    button.scroll_into_view_if_needed()
    assert page.locator(f"#item-{gate.pk} img").count() == 1
    fits_phone(page, "round with a problem")
    shoot(page, "3-problem-recorded")

    with page.expect_navigation():
        button.click()  # one tap
    hazard = Hazard.objects.get()
    assert page.url.endswith(f"/logbook/hazards/{hazard.pk}/")
    assert "校门 · 南门" in page.locator("#hazard-location").inner_text()
    assert "南门锁舌断裂" in page.locator("#hazard-description").inner_text()
    assert page.locator("#hazard-photos img").count() == 1
    assert EvidencePhoto.objects.get().hazard == hazard
    fits_phone(page, "hazard detail")
    shoot(page, "4-hazard")

    page.goto(f"{base}/logbook/hazards/")
    assert page.locator(f"#hazard-{hazard.pk}").is_visible()
    fits_phone(page, "hazard register")
    shoot(page, "5-register")


def test_scanning_a_checkpoint_qr_stamps_the_time_in_my_round(live_server, page, shoot, cast):
    items = small_checklist(cast.school)
    shift_covering(cast, timezone.now())
    base = live_server.url
    log_in(page, base, cast.teacher)
    page.goto(f"{base}/logbook/patrol/")
    with page.expect_navigation():
        page.click("#patrol-start")
    fire = items["daily"].checkpoint
    page.goto(f"{base}/logbook/patrol/scan/{fire.token}/")  # the QR code's URL
    page.wait_for_url(re.compile(rf".*/logbook/patrol/rounds/\d+/#cp-{fire.pk}$"))
    assert PatrolScan.objects.get().checkpoint == fire
    assert page.locator(f"#cp-{fire.pk} .text-success").count() == 1
    assert page.locator("#round-scans li").count() == 1
    fits_phone(page, "round after a scan")
    shoot(page, "6-scanned")


def test_the_office_loads_the_standard_checklist_on_a_phone(live_server, page, shoot, cast):
    base = live_server.url
    log_in(page, base, cast.admin)
    page.goto(f"{base}/logbook/checklists/")
    with page.expect_navigation():
        page.click("#load-standard")
    assert page.locator("#checkpoint-list .list-group-item").count() >= 12
    fits_phone(page, "checklists")
    shoot(page, "7-checklists")
    with page.expect_navigation():
        page.locator("#checkpoint-list .list-group-item").first.click()
    fits_phone(page, "checkpoint")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#checkpoint-deactivate")  # asks first; dismissed: nothing changes
    assert page.locator("#checkpoint-deactivate").is_visible()
    shoot(page, "8-checkpoint")
