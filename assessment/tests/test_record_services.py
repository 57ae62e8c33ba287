"""Month scores: parts, weights, the school's scale, failing months and flags, finalising."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.models import FeedbackStatus, InspectionStatus, MonthScore, ReviewFlag
from assessment.queries.record import term_scores
from assessment.services.config import settings_for
from assessment.services.record import add_months, compute_month, finalise_month
from assessment.tests.factories_record import criterion, feedback, inspect, review
from roster.models import Term
from staff.models import Role
from staff.queries import actor_for
from staff.tests.factories import make_staff

pytestmark = pytest.mark.django_db
MONTH = date(2026, 10, 1)


def score(person, month=MONTH) -> MonthScore:
    return MonthScore.objects.get(staff=person, month=month)


def test_the_parts_are_percentages_combined_by_the_weights(cast):
    crit = criterion(cast.school, "20")
    inspect(cast.school, MONTH, cast.leader, {(cast.teacher, crit): "16"})  # 80 %
    review(cast.school, MONTH, cast.leader, cast.teacher, 4)
    review(cast.school, MONTH, cast.guard, cast.teacher, 5)  # mean 4.5 of 5: 90 %
    feedback(cast.school, MONTH, cast.teacher, 3)  # 60 %
    feedback(cast.school, MONTH, cast.teacher, 1, status=FeedbackStatus.PENDING)  # not counted
    compute_month(school=cast.school, month=MONTH)
    row = score(cast.teacher)
    assert (row.inspection, row.peer, row.feedback) == (Decimal("80.0"), Decimal("90.0"),
                                                         Decimal("60.0"))  # fmt: skip
    # 70 % × 80 + 20 % × 90 + 10 % × 60 = 80.0 on the 100-point form
    assert row.total == Decimal("80.0")
    assert row.failing is False


def test_a_missing_part_leaves_its_weight_to_the_others_and_the_scale_follows_the_school(cast):
    settings = settings_for(cast.school)
    settings.full_marks = 10
    settings.save(update_fields=["full_marks"])
    crit = criterion(cast.school, "10")
    inspect(cast.school, MONTH, cast.leader, {(cast.teacher, crit): "8"})  # 80 %
    review(cast.school, MONTH, cast.leader, cast.teacher, 5)  # 100 %
    compute_month(school=cast.school, month=MONTH)
    # (70 × 80 + 20 × 100) / 90 = 84.44 % → 8.4 of 10
    assert score(cast.teacher).total == Decimal("8.4")
    # Nothing scored at all: no total, and not failing.
    nobody = score(cast.guard)
    assert nobody.total is None and nobody.failing is False


def test_planned_inspections_do_not_count(cast):
    crit = criterion(cast.school)
    inspect(cast.school, MONTH, cast.leader, {(cast.teacher, crit): "2"},
            status=InspectionStatus.PLANNED)  # fmt: skip
    compute_month(school=cast.school, month=MONTH)
    assert score(cast.teacher).inspection is None


def test_metrics_count_only_when_the_school_switches_that_on(cast):
    crit = criterion(cast.school)
    inspect(cast.school, MONTH, cast.leader, {(cast.teacher, crit): "10"})  # 50 %
    compute_month(school=cast.school, month=MONTH)
    assert score(cast.teacher).total == Decimal("50.0")
    settings = settings_for(cast.school)
    settings.metrics_count, settings.weight_inspection, settings.weight_metrics = True, 50, 20
    settings.save()
    compute_month(school=cast.school, month=MONTH)
    row = score(cast.teacher)
    # No duties this month: the metrics have no score, so the total is still inspections only.
    assert row.metrics_score is None and row.total == Decimal("50.0")


def test_two_failing_months_in_a_row_raise_one_flag_and_the_principal_is_told(cast):
    from notifications.models import Notice

    crit = criterion(cast.school)
    first = add_months(MONTH, -1)
    for month in (first, MONTH):
        inspect(cast.school, month, cast.leader, {(cast.teacher, crit): "6"})  # 30 %
        compute_month(school=cast.school, month=month)
    assert score(cast.teacher).failing is True
    flag = ReviewFlag.objects.get(staff=cast.teacher)
    assert (flag.first_month, flag.last_month) == (first, MONTH)
    compute_month(school=cast.school, month=MONTH)  # again: still one flag
    assert ReviewFlag.objects.filter(staff=cast.teacher).count() == 1
    assert Notice.objects.filter(recipient=cast.principal.user).exists()


def test_one_failing_month_raises_no_flag(cast):
    crit = criterion(cast.school)
    inspect(cast.school, MONTH, cast.leader, {(cast.teacher, crit): "6"})
    compute_month(school=cast.school, month=MONTH)
    assert score(cast.teacher).failing is True
    assert not ReviewFlag.objects.exists()


def test_a_finalised_month_does_not_change_and_only_the_principal_finalises(cast):
    crit = criterion(cast.school)
    inspect(cast.school, MONTH, cast.leader, {(cast.teacher, crit): "20"})
    with pytest.raises(PermissionDenied):
        finalise_month(school=cast.school, month=MONTH, actor=actor_for(cast.admin.user))
    finalise_month(school=cast.school, month=MONTH, actor=actor_for(cast.principal.user))
    assert score(cast.teacher).finalized_at is not None
    inspect(cast.school, MONTH, cast.leader, {(cast.teacher, crit): "0"})
    compute_month(school=cast.school, month=MONTH)
    assert score(cast.teacher).total == Decimal("100.0")


def test_the_current_month_cannot_be_finalised(cast):
    from django.utils import timezone

    with pytest.raises(ValidationError):
        finalise_month(school=cast.school, month=timezone.localdate(),
                       actor=actor_for(cast.principal.user))  # fmt: skip
    assert not MonthScore.objects.filter(finalized_at__isnull=False).exists()


def test_computing_costs_the_same_queries_for_three_people_or_thirty(cast):
    crit = criterion(cast.school)

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            compute_month(school=cast.school, month=MONTH)
        return len(seen)

    inspect(cast.school, MONTH, cast.leader, {(cast.teacher, crit): "15"})
    queries()  # settings rows created on first use
    few = queries()
    people = [make_staff(cast.school, Role.TEACHER) for _ in range(24)]
    inspect(cast.school, MONTH, cast.leader, {(p, crit): "15" for p in people})
    for p in people[:10]:
        review(cast.school, MONTH, cast.leader, p, 4)
    assert queries() == few
    assert MonthScore.objects.filter(month=MONTH).count() == 30  # the cast has six


def test_a_term_score_is_the_mean_of_its_month_totals(cast):
    crit = criterion(cast.school)
    for month, points in ((date(2026, 9, 1), "20"), (date(2026, 10, 1), "10")):
        inspect(cast.school, month, cast.leader, {(cast.teacher, crit): points})
        compute_month(school=cast.school, month=month)
    term = Term.objects.create(school=cast.school, name="秋季学期", start_date=date(2026, 9, 1),
                               end_date=date(2027, 1, 20))  # fmt: skip
    [found] = term_scores(cast.school, staff_ids=[cast.teacher.pk])
    assert found["term"] == term
    assert found["means"][cast.teacher.pk] == Decimal("75.0")


def test_the_periodic_task_keeps_the_current_and_previous_month_fresh(cast):
    from django.utils import timezone

    from assessment.tasks_record import recompute_month_scores

    this = timezone.localdate().replace(day=1)
    crit = criterion(cast.school)
    inspect(cast.school, this, cast.leader, {(cast.teacher, crit): "12"})
    assert recompute_month_scores.apply().get() == "16 month scores computed"  # 2 months × 8 people
    assert score(cast.teacher, this).total == Decimal("60.0")
    assert score(cast.teacher, this).failing is False  # 60 % is the pass mark itself
    assert MonthScore.objects.filter(school=cast.school, month=add_months(this, -1)).count() == 6
