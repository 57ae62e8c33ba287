"""The inspector scores a person on a phone (390 px, Chromium): from the inspection, pick the
teacher, give base points, tick a standard deduction and the duty log as evidence, be told
about a criterion left out, save, and complete the inspection. Screenshots go to pytest's
tmp_path (and SCREENSHOT_DIR when set)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import EvidenceLink, InspectionScore, InspectionStatus
from assessment.tests.factories_inspect import as_, defaults, duty_this_month, planned
from logbook.services import log as log_services
from tests.browserkit import NAV_TARGETS, fits_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_inspector_scores_the_teacher_on_a_phone(live_server, page, open_page, shoot, cast):
    criteria = defaults(cast.school)
    shift = duty_this_month(cast, cast.teacher)
    duty_log = log_services.open_log(shift=shift, actor=as_(cast.teacher),
                                     now=shift.starts_at + timedelta(hours=1))  # fmt: skip
    inspection = planned(cast)
    base = live_server.url

    log_in(page, base, cast.leader)
    page.goto(base + reverse("assessment:inspection-detail", args=[inspection.pk]))
    fits_phone(page, "the inspection", selector=NAV_TARGETS)
    with page.expect_navigation():
        page.click("#score-person")
    with page.expect_navigation():
        page.get_by_role("link", name=cast.teacher.name).click()
    fits_phone(page, "the score form")
    shoot(page, "form-390")

    # Every criterion but one; a 5-minute lateness ticked; the duty log as evidence.
    crits = list(criteria.values())
    for c in crits[:-1]:
        page.fill(f"#points-{c.pk}", str(c.max_points))
    late5 = criteria["rules"].rules.get(points=-1)
    page.check(f"#rule-{late5.pk}")
    page.fill(f"#note-{criteria['rules'].pk}", "迟到3分钟")
    page.get_by_label(f"值班记录: {duty_log.date:%m-%d}", exact=False).check()
    with page.expect_navigation():
        page.click("#score-save")
    assert crits[-1].name in page.locator("#score-errors").inner_text()
    assert page.is_checked(f"#rule-{late5.pk}")  # what was entered stays
    fits_phone(page, "the refused form")
    shoot(page, "refused-390")
    assert not InspectionScore.objects.exists()

    page.fill(f"#points-{crits[-1].pk}", "14")
    with page.expect_navigation():
        page.click("#score-save")
    assert page.locator(".person-total").inner_text().startswith("98")
    points = {
        s.criterion_id: s.points for s in InspectionScore.objects.filter(subject=cast.teacher)
    }
    assert points[criteria["rules"].pk] == Decimal(24)
    assert EvidenceLink.objects.get(inspection=inspection).object_id == duty_log.pk
    fits_phone(page, "the scored inspection", selector=NAV_TARGETS)
    shoot(page, "scored-390")

    with page.expect_navigation():
        page.click("#complete")
    assert page.locator("#read-only").is_visible()
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.DONE
    shoot(page, "completed-390")

    # The office's pages on the same phone width: criteria with their rules, a training form,
    # the month's metrics.
    office = open_page()
    log_in(office, base, cast.admin)
    for name, shot in (
        ("assessment:criteria", "criteria-390"),
        ("assessment:training-new", "training-form-390"),
        ("assessment:metrics", "metrics-390"),
        ("assessment:inspections", "inspections-390"),
    ):
        office.goto(base + reverse(name))
        fits_phone(office, name, selector=NAV_TARGETS)
        shoot(office, shot)
