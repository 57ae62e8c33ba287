"""Journey (issue #5): a duty teacher keeps a whole shift's record on a phone (390 px, Chromium).

On duty now → write the duty log (autosaved; still there after a reload) → a patrol round with
one problem and a photo → a hazard from it in one tap → a visitor registered and signed out →
the handover to the next shift → the log submitted → an edit of the submitted log refused → an
amendment with its reason shown beside the original. Every page must fit the phone's width,
keep its tap targets at least 44 px high and show no untranslated English; screenshots go to
SCREENSHOT_DIR when set (else pytest's tmp_path).

The data is built around the real current time (the live server's clock is not patched): a
published roster from yesterday to tomorrow whose two 12-hour shifts put the one the teacher is
on between two and three hours old when the test starts.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from logbook.models import (
    Checkpoint,
    DutyLog,
    EvidencePhoto,
    HandoverNote,
    Hazard,
    LogAmendment,
    PatrolItem,
    PatrolResult,
    PatrolRound,
    Visit,
)
from logbook.tests.factories import ALL_DAYS, make_roster, put_on_duty
from roster.models import Shift, ShiftType
from staff.models import Role
from tests.browserkit import PHONE, SMALL_TARGETS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN_TAP = 44  # the kit's SMALL_TARGETS threshold
TAP_TARGETS = (
    ".btn, .nav-link, .navbar-toggler, .list-group-item-action, .page-link, select, textarea, "
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])"
)
WIDTHS = "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
# The pages are in Chinese: a run of English words on them is a string left untranslated (the
# footer's language switcher names its language in English on purpose).
ENGLISH = re.compile(r"[A-Za-z][A-Za-z ,.'’-]{5,}")
ALLOWED_ENGLISH = {"English"}


def resident_id(first17: str) -> str:
    """A resident ID number with its GB 11643 (ISO 7064 MOD 11-2) check character."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


VISITOR_ID = resident_id("11010519850704301")  # 北京朝阳, born 1985-07-04


@pytest.fixture
def page(open_page, settings, tmp_path):
    """The kit's phone page, with 15 s patience (photo uploads) and media files in tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return open_page(timeout=15_000)


@pytest.fixture
def small_targets():
    """Tap targets under 44 px seen on the way (pages of other sub-domains): reported at the
    end of the journey in one message rather than stopping it at the first page."""
    found: dict[str, list] = {}
    yield found


def fits_phone(page, where: str, small: dict | None = None) -> None:
    widths = page.evaluate(WIDTHS)
    assert max(widths) <= PHONE["width"], f"{where} scrolls sideways at 390 px: {widths}"
    assert page.evaluate("() => window.scrollX") == 0, where
    text = page.evaluate("() => document.body.innerText")
    untranslated = set(ENGLISH.findall(text)) - ALLOWED_ENGLISH
    assert not untranslated, f"{where} shows English text in Chinese: {sorted(untranslated)}"
    if small is not None:
        tiny = page.evaluate(SMALL_TARGETS, TAP_TARGETS)
        if tiny:
            small[where] = tiny


@pytest.fixture
def shift_now(cast):
    """The running shift of school A with the leader, the teacher and the guard on duty, and
    one checkpoint with two items due every shift. Two 12-hour shift types tile the day, the
    first starting on the hour two to three hours ago: whenever the test runs, the shift it
    works in has hours left, and the next shift (for the handover) follows it."""
    now = timezone.now()
    begins = (timezone.localtime(now) - timedelta(hours=2)).replace(
        minute=0, second=0, microsecond=0
    )
    for name, start in (("白班", begins), ("夜班", begins + timedelta(hours=12))):
        ShiftType.objects.create(school=cast.school, name=name, start_time=start.time(),
                                 duration_minutes=720, day_kinds=ALL_DAYS)  # fmt: skip
    make_roster(cast.school, start=timezone.localdate(now) - timedelta(days=1), days=3)
    shift = Shift.objects.select_related("shift_type").get(
        roster__school=cast.school, starts_at__lte=now, ends_at__gt=now
    )
    put_on_duty(
        shift, (cast.leader, Role.LEADER), (cast.teacher, Role.TEACHER), (cast.guard, Role.GUARD)
    )
    gate = Checkpoint.objects.create(school=cast.school, area="校门", location="南门", order=1)
    items = [
        PatrolItem.objects.create(checkpoint=gate, text="门卫值守到位", order=1),
        PatrolItem.objects.create(checkpoint=gate, text="大门上锁", order=2),
    ]
    return shift, items


def camera_photo(tmp_path) -> Path:
    path = tmp_path / "IMG_0412.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1024, 768), (170, 70, 40)).save(buffer, "JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


def go_now(page, base: str, shift) -> None:
    page.goto(base + reverse("logbook:now"))
    page.locator(f"#shift-{shift.pk}").wait_for()


def test_a_teacher_records_a_whole_shift_on_a_phone(
    live_server, page, shoot, small_targets, cast, shift_now, tmp_path
):
    shift, (ok_item, problem_item) = shift_now
    base = live_server.url
    log_in(page, base, cast.teacher, lands_on=reverse("home"))

    # ---- 1. On duty now: this shift, marked as running, with a button to write the log.
    go_now(page, base, shift)
    card = page.locator(f"#shift-{shift.pk}")
    assert card.locator(".badge.text-bg-success").count() == 1  # "on duty now"
    assert cast.teacher.name in card.locator(".now-people").inner_text()
    assert page.locator("#patrol-start").is_visible()
    assert page.locator("#now-visit-register").is_visible()
    assert page.locator("#now-handover-write").is_visible()
    fits_phone(page, "on duty now", small_targets)
    shoot(page, "01-now")

    # ---- 2. Write the duty log; it saves itself after a pause in typing.
    with page.expect_navigation():
        page.click(f"#open-log-{shift.pk}")
    log = DutyLog.objects.get(shift=shift)
    assert page.url.endswith(reverse("logbook:log", args=[log.pk]))
    assert page.locator("#log-status").get_attribute("data-status") == "draft"
    page.fill("#id_weather", "晴")
    page.fill("#id_students_present", "586")
    page.fill("#id_activities", "大课间跑操正常；三年级春游返校，清点人数无误。")
    page.fill("#id_parent_communication", "四(2)班家长来电询问放学时间，已答复。")
    page.locator("#save-status [data-saved]").wait_for()  # after the 1.5 s typing pause
    log.refresh_from_db()
    assert (log.weather, log.students_present) == ("晴", 586)
    assert log.activities.startswith("大课间跑操正常")
    fits_phone(page, "the draft log", small_targets)
    shoot(page, "02-log-draft-saved")

    # ---- 3. Reload (the phone's copy cleared: the text must come from the server).
    page.evaluate("() => window.localStorage.clear()")
    page.reload()
    assert page.input_value("#id_activities") == "大课间跑操正常；三年级春游返校，清点人数无误。"
    assert page.input_value("#id_parent_communication") == "四(2)班家长来电询问放学时间，已答复。"
    assert page.input_value("#id_students_present") == "586"

    # ---- 4. A patrol round: one item ok, one a problem with a photo from the camera.
    go_now(page, base, shift)
    with page.expect_navigation():
        page.click("#patrol-start")
    patrol = PatrolRound.objects.get(shift=shift)
    assert page.url.endswith(reverse("logbook:round", args=[patrol.pk]))
    assert page.locator(".patrol-item").count() == 2
    fits_phone(page, "the patrol round", small_targets)
    shoot(page, "03-round")
    with page.expect_navigation():
        page.locator(f"#item-{ok_item.pk} .patrol-save").click()
    assert page.locator(f"#item-{ok_item.pk}.border-success").count() == 1
    item = page.locator(f"#item-{problem_item.pk}")
    item.locator(".result-problem").click()
    item.locator(".patrol-note").fill("南门电子锁锁舌断裂，无法上锁")
    item.locator(".patrol-photo").set_input_files(str(camera_photo(tmp_path)))
    with page.expect_navigation():
        item.locator(".patrol-save").click()
    result = PatrolResult.objects.get(round=patrol, item=problem_item)
    assert result.status == "problem" and result.photos.count() == 1
    assert page.locator(f"#item-{problem_item.pk}.border-danger").count() == 1
    assert page.locator(f"#item-{problem_item.pk} img").count() == 1
    assert "2" in page.locator("#round-completion").inner_text()
    button = page.locator(f"#open-hazard-{result.pk}")
    button.scroll_into_view_if_needed()
    fits_phone(page, "the round with a problem", small_targets)
    shoot(page, "04-problem-with-photo")

    # ---- 5. One tap opens a hazard prefilled from the problem (with its photo).
    with page.expect_navigation():
        button.click()
    hazard = Hazard.objects.get(source_result=result)
    assert page.url.endswith(reverse("logbook:hazard", args=[hazard.pk]))
    assert "南门" in page.locator("#hazard-location").inner_text()
    assert "锁舌断裂" in page.locator("#hazard-description").inner_text()
    assert page.locator("#hazard-photos img").count() == 1
    assert EvidencePhoto.objects.filter(hazard=hazard).count() == 1
    fits_phone(page, "the hazard", small_targets)
    shoot(page, "05-hazard")
    # The round links the item to its hazard; the round is finished.
    page.goto(base + reverse("logbook:round", args=[patrol.pk]))
    hazard_link = page.locator(f"#item-{problem_item.pk} a[href$='/hazards/{hazard.pk}/']")
    assert hazard_link.count() == 1 and hazard.code in hazard_link.inner_text()
    with page.expect_navigation():
        page.click("#round-finish")
    patrol.refresh_from_db()
    assert patrol.finished_at is not None
    assert page.locator("#round-finish").count() == 0

    # ---- 6. A visitor is registered (a valid resident ID) and later signed out.
    go_now(page, base, shift)
    with page.expect_navigation():
        page.click("#now-visit-register")
    page.fill("#id_name", "李来访")
    page.fill("#id_phone", "139 1234 5678")
    page.fill("#id_id_number", VISITOR_ID)
    page.fill("#id_purpose", "维修南门电子锁")
    page.fill("#id_host_text", "总务处")
    page.locator("#visit-history-none").wait_for()  # "visited before?" — no: a first visit
    fits_phone(page, "the visitor form", small_targets)
    shoot(page, "06-visitor-form")
    with page.expect_navigation():
        page.click("#visit-save")
    visit = Visit.objects.get()
    assert visit.name == "李来访" and visit.on_campus
    assert "李来访" in page.locator(f"#on-campus-{visit.pk}").inner_text()
    assert VISITOR_ID not in page.content()  # never the full number on a list
    fits_phone(page, "the register with a visitor", small_targets)
    go_now(page, base, shift)
    on_campus = page.locator(f"#now-visits #on-campus-{visit.pk}")
    assert "李来访" in on_campus.inner_text()  # still on campus at the end of this shift
    shoot(page, "07-now-visitor-on-campus")
    with page.expect_navigation():
        on_campus.locator("button.visit-sign-out").click()
    page.locator(f"#on-campus-{visit.pk}").wait_for(state="detached")
    assert page.url.endswith(reverse("logbook:now"))
    visit.refresh_from_db()
    assert visit.time_out is not None and visit.signed_out_by == cast.teacher.user

    # ---- 7. The handover to the next shift; the open hazard travels with it.
    with page.expect_navigation():
        page.click("#now-handover-write")
    page.fill("#id_situation", "本班次校园秩序正常。南门电子锁损坏，已上报隐患，门卫加强值守。")
    page.fill("#id_keys", "12")
    page.fill("#id_follow_ups", "跟进南门电子锁维修。")
    fits_phone(page, "the handover form", small_targets)
    shoot(page, "08-handover-form")
    with page.expect_navigation():
        page.click("#handover-send")
    note = HandoverNote.objects.get(from_shift=shift)
    assert page.url.endswith(reverse("logbook:handover-detail", args=[note.pk]))
    assert page.locator("#handover-status").get_attribute("data-status") == "pending"
    assert hazard.code in page.locator("#handover-hazards").inner_text()
    assert note.to_shift.starts_at == shift.ends_at
    fits_phone(page, "the handover sent", small_targets)
    shoot(page, "09-handover-sent")

    # ---- 8. Submit the duty log: it becomes read-only.
    go_now(page, base, shift)
    with page.expect_navigation():
        page.click(f"#log-link-{shift.pk}")
    page.fill("#id_summary", "校园秩序正常，无安全事故；南门电子锁待修。")
    with page.expect_navigation():
        page.click("#submit-log")
    assert page.locator("#log-status").get_attribute("data-status") == "submitted"
    assert page.locator("#log-form").count() == 0
    assert page.locator("#log-readonly textarea, #log-readonly input").count() == 0
    assert "大课间跑操正常" in page.locator("#field-activities .log-original").inner_text()
    log.refresh_from_db()
    assert log.status == "submitted" and log.submitted_by == cast.teacher
    assert log.summary == "校园秩序正常，无安全事故；南门电子锁待修。"
    fits_phone(page, "the submitted log", small_targets)
    shoot(page, "10-log-submitted")

    # ---- 9. An edit of the submitted log is refused, whatever the page would allow.
    token = page.locator("#amend-form input[name=csrfmiddlewaretoken]").input_value()
    refused = page.request.post(
        base + reverse("logbook:log-autosave", args=[log.pk]),
        form={"activities": "偷偷改掉", "version": str(log.version),
              "csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
    )  # fmt: skip
    assert "data-saved" not in refused.text() and "data-problem" in refused.text()
    resubmit = page.request.post(
        base + reverse("logbook:log-submit", args=[log.pk]),
        form={"activities": "再改一次", "summary": "改", "weather": "雨",
              "version": str(log.version), "csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
    )  # fmt: skip
    assert resubmit.status == 400
    before = (log.activities, log.summary, log.weather, log.version)
    log.refresh_from_db()
    assert (log.activities, log.summary, log.weather, log.version) == before

    # ---- 10. The correction is an amendment with a reason, shown beside the original.
    page.reload()
    page.select_option("#id_field", "activities")
    page.fill("#id_text", "补记：15:30 组织消防疏散演练，全校用时3分20秒。")
    page.fill("#id_reason", "交班前漏记演练")
    with page.expect_navigation():
        page.click("#amend-submit")
    amendment = LogAmendment.objects.get(log=log)
    assert (amendment.field, amendment.reason) == ("activities", "交班前漏记演练")
    field = page.locator("#field-activities")
    assert "大课间跑操正常" in field.locator(".log-original").inner_text()
    assert "消防疏散演练" in field.locator(f"#amendment-{amendment.pk}").inner_text()
    assert "交班前漏记演练" in field.locator(f"#amendment-{amendment.pk}").inner_text()
    log.refresh_from_db()
    assert log.activities == "大课间跑操正常；三年级春游返校，清点人数无误。"  # the original
    fits_phone(page, "the log with an amendment", small_targets)
    field.scroll_into_view_if_needed()
    shoot(page, "11-amendment-beside-original")
    # Beside, literally, once there is room for two columns.
    page.set_viewport_size({"width": 1280, "height": 900})
    original = field.locator(".log-original").bounding_box()
    beside = field.locator(f"#amendment-{amendment.pk}").bounding_box()
    assert beside["x"] > original["x"] + original["width"] - 1, (original, beside)
    shoot(page, "12-amendment-desktop")

    assert not small_targets, f"tap targets under {MIN_TAP} px at 390 px: {small_targets}"
