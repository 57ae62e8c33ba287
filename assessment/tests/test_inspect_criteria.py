"""The assessment form: the policy's default criteria, criteria and scoring rules kept by the
office and the principal, with clear errors and nothing half-written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessment.models import AssessmentSettings, Criterion, ScoringRule
from assessment.services import criteria as services
from assessment.services.config import settings_for
from assessment.tests.factories_inspect import defaults

pytestmark = pytest.mark.django_db


def test_the_defaults_follow_the_policy_add_up_to_full_marks_and_load_once(cast):
    made = services.ensure_default_criteria(cast.school)
    assert [c.kind for c in made] == ["rules", "emergency", "logs", "reachable", "participation"]
    assert made[0].name == "遵守制度与时间"
    assert services.points_total(cast.school) == Decimal(100)
    late = [(r.label, r.points) for r in made[0].rules.all()]
    assert late == [("迟到5分钟以内", -1), ("迟到10分钟以内", -2), ("迟到超过10分钟", -5)]
    handling = [r.points for r in made[1].rules.all() if r.points > 0]
    assert handling == [1, 3, 5]
    assert services.ensure_default_criteria(cast.school) == []
    assert Criterion.objects.filter(school=cast.school).count() == 5


def test_on_the_ten_point_form_the_defaults_are_scaled(cast):
    settings = settings_for(cast.school)
    AssessmentSettings.objects.filter(pk=settings.pk).update(full_marks=10)
    by_kind = defaults(cast.school)
    assert services.points_total(cast.school) == Decimal(10)
    assert by_kind["rules"].max_points == Decimal("2.5")
    # −1 of 100 is −0.1 of 10; never zero (a rule that moves nothing would be refused).
    assert [r.points for r in by_kind["rules"].rules.all()] == [
        Decimal("-0.1"), Decimal("-0.2"), Decimal("-0.5"),
    ]  # fmt: skip


def test_bad_criteria_and_rules_are_refused_with_reasons(cast):
    crit = defaults(cast.school)["rules"]
    with pytest.raises(ValidationError) as err:
        services.save_criterion(school=cast.school, data={
            "name": crit.name, "kind": "other", "max_points": 5, "weight": 5, "metric": "",
            "active": True, "description": "",
        })  # fmt: skip
    assert "已有同名" in str(err.value) or "already" in str(err.value)
    with pytest.raises(ValidationError):
        services.add_rule(criterion=crit, label="零分", points=0)
    with pytest.raises(ValidationError):
        services.add_rule(criterion=crit, label="太多", points=crit.max_points + 1)
    assert ScoringRule.objects.filter(criterion=crit).count() == 3


def test_the_office_keeps_criteria_and_rules_through_the_pages(client, cast):
    client.force_login(cast.admin.user)
    assert "load-defaults" in client.get(reverse("assessment:criteria")).content.decode()
    assert client.post(reverse("assessment:criteria")).status_code == 302
    assert Criterion.objects.filter(school=cast.school).count() == 5
    page = client.get(reverse("assessment:criteria")).content.decode()
    assert "迟到5分钟以内" in page and "points-warning" not in page
    assert "load-defaults" not in page  # all five are there

    response = client.post(reverse("assessment:criterion-new"), {
        "name": "仪容仪表", "kind": "other", "description": "佩戴值班标志", "max_points": "5",
        "weight": "5", "metric": "", "active": "on",
    })  # fmt: skip
    assert response.status_code == 302
    extra = Criterion.objects.get(school=cast.school, name="仪容仪表")
    assert "points-warning" in client.get(reverse("assessment:criteria")).content.decode()

    bad = client.post(reverse("assessment:criterion-edit", args=[extra.pk]), {
        "name": "仪容仪表", "kind": "other", "max_points": "0", "weight": "5", "metric": "",
    })  # fmt: skip
    assert bad.status_code == 200 and "分值必须大于零" in bad.content.decode()

    client.post(
        reverse("assessment:rule-new", args=[extra.pk]), {"label": "未佩戴袖标", "points": "-1"}
    )
    rule = ScoringRule.objects.get(criterion=extra)
    assert rule.points == Decimal("-1.0")
    new_rule = reverse("assessment:rule-new", args=[extra.pk])
    zero = client.post(new_rule, {"label": "x", "points": "0"}, follow=True)
    assert "不能为零" in zero.content.decode()
    assert client.get(reverse("assessment:rule-delete", args=[rule.pk])).status_code == 200
    client.post(reverse("assessment:rule-delete", args=[rule.pk]))
    assert not ScoringRule.objects.filter(criterion=extra).exists()


def test_only_the_office_and_the_principal_keep_criteria_and_only_their_own(client, cast):
    crit = defaults(cast.school)["rules"]
    rule = crit.rules.first()
    for who in (cast.leader, cast.teacher):
        client.force_login(who.user)
        assert client.get(reverse("assessment:criteria")).status_code == 403
        assert client.post(reverse("assessment:rule-new", args=[crit.pk]),
                           {"label": "x", "points": "1"}).status_code == 403  # fmt: skip
    client.force_login(cast.principal.user)
    assert client.get(reverse("assessment:criterion-edit", args=[crit.pk])).status_code == 200
    client.force_login(cast.other_admin.user)
    assert client.get(reverse("assessment:criterion-edit", args=[crit.pk])).status_code == 404
    assert client.post(reverse("assessment:rule-delete", args=[rule.pk])).status_code == 404
    assert client.post(reverse("assessment:rule-new", args=[crit.pk]),
                       {"label": "x", "points": "1"}).status_code == 404  # fmt: skip
    assert ScoringRule.objects.filter(criterion=crit).count() == 3
