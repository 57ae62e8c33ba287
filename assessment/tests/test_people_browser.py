"""The people part in a real browser at 390 px: a parent sends feedback through the QR link
without logging in; the principal approves it and sees the QR
page; the teacher reviews a colleague from a shared shift and reads what was said of them.
No sideways scrolling, no script or CSP errors; screenshots go to SCREENSHOT_DIR when set."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessment.models import Feedback, FeedbackStatus, PeerReview
from assessment.services.config import settings_for
from assessment.tests.factories_people import shared_yesterday, this_month
from tests.browserkit import PHONE, fits_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_feedback_and_peer_review_on_a_phone(live_server, open_page, cast, shoot, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for member in (cast.principal, cast.teacher):
        member.user.set_password("Correct-Horse-42")
        member.user.save(update_fields=["password"])
    shared_yesterday(cast)
    base = live_server.url
    token = settings_for(cast.school).feedback_token

    # A parent scans the code: no login, a short form.
    parent = open_page(PHONE)
    parent.goto(base + reverse("assessment:feedback-form", args=[token]))
    fits_phone(parent, "feedback form")
    shoot(parent, "people-1-feedback-390")
    parent.check("input[name=source][value=parent]")
    parent.select_option("select[name=about]", str(cast.teacher.pk))
    parent.check("input[name=rating][value='5']")
    parent.fill("textarea[name=comment]", "放学时门口秩序很好，谢谢老师。")
    with parent.expect_navigation():
        parent.click("#feedback-form button[type=submit]")
    expect(parent.locator("#feedback-thanks")).to_be_visible()
    assert Feedback.objects.get().status == FeedbackStatus.PENDING

    # The principal approves it and looks at the QR page.
    boss = open_page(PHONE)
    log_in(boss, base, cast.principal)
    boss.goto(base + reverse("assessment:feedback"))
    expect(boss.locator("#feedback-list")).to_contain_text("放学时门口秩序很好")
    fits_phone(boss, "feedback moderation", targets=False)
    shoot(boss, "people-2-moderation-390")
    with boss.expect_navigation():
        boss.click("#feedback-list button[value=approve]")
    assert Feedback.objects.get().status == FeedbackStatus.APPROVED
    boss.goto(base + reverse("assessment:feedback-link"))
    expect(boss.locator("#feedback-qr")).to_be_visible()
    fits_phone(boss, "feedback QR")
    shoot(boss, "people-3-qr-390")

    # The teacher reviews the leader from yesterday's shift.
    teacher = open_page(PHONE)
    log_in(teacher, base, cast.teacher)
    teacher.goto(base + reverse("assessment:reviews") + f"?month={this_month():%Y-%m}")
    fits_phone(teacher, "reviews", targets=False)
    teacher.locator("#colleagues li", has_text=cast.leader.name).locator("a").click()
    teacher.check("input[name=rating][value='4']")
    teacher.fill("textarea[name=strengths]", "带班认真，处置及时。")
    fits_phone(teacher, "review form")
    shoot(teacher, "people-4-review-form-390")
    with teacher.expect_navigation():
        teacher.click("#review-form button[type=submit]")
    expect(teacher.locator("#written")).to_contain_text(cast.leader.name)
    shoot(teacher, "people-5-reviews-390")
    row = PeerReview.objects.get()
    assert (row.reviewer, row.reviewee, row.month) == (cast.teacher, cast.leader, this_month())
    # Withdrawing asks first: without the box ticked the browser does not send the form.
    teacher.locator("#written .withdraw-review button").click()
    assert PeerReview.objects.count() == 1
    teacher.locator("#written .withdraw-review input[name=confirm]").check()
    with teacher.expect_navigation():
        teacher.locator("#written .withdraw-review button").click()
    assert PeerReview.objects.count() == 0
