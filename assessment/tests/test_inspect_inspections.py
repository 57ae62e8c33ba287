"""Inspections: planned, scored per person on every criterion with the rules applied and
evidence of that person's month, completed and then read-only; spot checks; the reminder the
afternoon before, sent once; who may do what."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessment.evidence import for_subject
from assessment.models import EvidenceLink, Inspection, InspectionScore, InspectionStatus
from assessment.services import inspection as services
from assessment.tests.factories_inspect import as_, defaults, duty_this_month, entries, planned
from logbook.services import log as log_services
from notifications.models import Notice
from roster.timing import localize
from staff.models import Role
from staff.tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def criteria(cast):
    return defaults(cast.school)


def test_scores_are_base_points_plus_the_ticked_rules(cast, criteria):
    inspection = planned(cast)
    late5 = criteria["rules"].rules.get(points=-1)
    good = criteria["emergency"].rules.get(points=3)
    scores = services.score_person(
        inspection=inspection, subject=cast.teacher, actor=as_(cast.leader),
        entries=entries(criteria, points={"emergency": 15},
                        rules={"rules": [late5.pk], "emergency": [good.pk]}),
    )  # fmt: skip
    got = {s.criterion.kind: s.points for s in scores}
    assert got["rules"] == Decimal(24) and got["emergency"] == Decimal(18)
    assert sum(got.values()) == Decimal(97)  # 100 − 1 − 5 + 3
    row = InspectionScore.objects.get(inspection=inspection, criterion=criteria["rules"])
    assert row.rules == [late5.pk]
    assert services.base_points(row, {r.pk: r for r in criteria["rules"].rules.all()}) == 25


@pytest.mark.parametrize(
    ("points", "rules", "message"),
    [
        ({"rules": "26"}, {}, "0"),  # above the criterion's points
        ({"rules": "-1"}, {}, "0"),
        ({"rules": "abc"}, {}, "abc"),
        ({"rules": ""}, {}, "遵守制度与时间"),  # not scored
        ({}, {"emergency": [5]}, ""),  # +5 on full points goes past the criterion's 20
    ],
)
def test_bad_scores_are_refused_and_nothing_is_saved(cast, criteria, points, rules, message):
    inspection = planned(cast)
    if rules:
        rules = {"emergency": [criteria["emergency"].rules.get(points=5).pk]}
    with pytest.raises(ValidationError) as err:
        services.score_person(inspection=inspection, subject=cast.teacher, actor=as_(cast.leader),
                              entries=entries(criteria, points=points, rules=rules))  # fmt: skip
    assert message in " ".join(err.value.messages)
    assert not InspectionScore.objects.filter(inspection=inspection).exists()


def test_a_rule_of_another_criterion_is_refused(cast, criteria):
    inspection = planned(cast)
    other = criteria["logs"].rules.first()
    with pytest.raises(ValidationError):
        services.score_person(inspection=inspection, subject=cast.teacher, actor=as_(cast.leader),
                              entries=entries(criteria, rules={"rules": [other.pk]}))  # fmt: skip


def test_evidence_must_be_a_record_of_that_person_and_month(cast, criteria):
    shift = duty_this_month(cast, cast.teacher)
    duty_log = log_services.open_log(shift=shift, actor=as_(cast.teacher),
                                     now=shift.starts_at + timedelta(hours=1))  # fmt: skip
    inspection = planned(cast)
    leader = as_(cast.leader)
    # The guard was not on that shift: the teacher's log is not his evidence.
    with pytest.raises(ValidationError):
        services.score_person(
            inspection=inspection,
            subject=cast.guard,
            actor=leader,
            entries=entries(criteria),
            evidence=[("log", duty_log.pk)],
        )
    with pytest.raises(ValidationError):
        services.score_person(
            inspection=inspection,
            subject=cast.teacher,
            actor=leader,
            entries=entries(criteria),
            evidence=[("log", duty_log.pk + 9)],
        )
    assert not InspectionScore.objects.exists()
    services.score_person(
        inspection=inspection,
        subject=cast.teacher,
        actor=as_(cast.leader),
        entries=entries(criteria),
        evidence=[("log", duty_log.pk)],
    )
    link = EvidenceLink.objects.get(inspection=inspection)
    [(label, url)] = for_subject(inspection, cast.teacher.pk)
    assert url == reverse("logbook:log", args=[duty_log.pk]) and "值班记录" in label
    assert for_subject(inspection, cast.guard.pk) == []
    assert (link.kind, link.object_id, link.score.subject_id) == (
        "log",
        duty_log.pk,
        cast.teacher.pk,
    )
    # Scored again without it: the link goes; the scores are replaced, not doubled.
    services.score_person(inspection=inspection, subject=cast.teacher, actor=as_(cast.leader),
                          entries=entries(criteria, points={"logs": 20}))  # fmt: skip
    assert not EvidenceLink.objects.exists()
    assert InspectionScore.objects.filter(inspection=inspection).count() == 5


def test_completed_inspections_are_read_only(cast, criteria):
    inspection = planned(cast)
    with pytest.raises(ValidationError):  # nobody scored yet
        services.complete_inspection(inspection=inspection, actor=as_(cast.leader))
    services.score_person(inspection=inspection, subject=cast.teacher, actor=as_(cast.leader),
                          entries=entries(criteria))  # fmt: skip
    done = services.complete_inspection(inspection=inspection, actor=as_(cast.leader))
    assert done.status == InspectionStatus.DONE and done.done_at is not None
    done.refresh_from_db()
    with pytest.raises(ValidationError):
        services.score_person(inspection=done, subject=cast.teacher, actor=as_(cast.leader),
                              entries=entries(criteria, points={"rules": 1}))  # fmt: skip
    assert InspectionScore.objects.get(inspection=done, criterion=criteria["rules"]).points == 25


def test_only_the_inspector_or_the_office_scores(cast, criteria):
    inspection = planned(cast)
    other_leader = make_staff(cast.school, Role.LEADER)
    with pytest.raises(PermissionDenied):
        services.score_person(inspection=inspection, subject=cast.teacher, actor=as_(other_leader),
                              entries=entries(criteria))  # fmt: skip
    with pytest.raises(ValidationError):  # a person of another school
        services.score_person(inspection=inspection, subject=cast.other_teacher,
                              actor=as_(cast.principal), entries=entries(criteria))  # fmt: skip
    with pytest.raises(ValidationError):  # a teacher cannot be the inspector
        planned(cast, inspector=cast.teacher)


def test_spot_checks_are_recorded_when_they_happen_not_ahead(cast):
    today = services.school_today(cast.school)
    spot = planned(cast, kind="spot")
    assert spot.kind == "spot" and spot.month == today.replace(day=1)
    with pytest.raises(ValidationError):
        planned(cast, kind="spot", day=today + timedelta(days=1))
    assert services.month_warning(cast.school, today) != ""
    planned(cast, day=today + timedelta(days=1) if today.day < 28 else today)
    assert services.month_warning(cast.school, today) == ""


def test_the_inspector_is_reminded_once_the_afternoon_before(cast):
    today = services.school_today(cast.school)
    day = today + timedelta(days=2)
    inspection = planned(cast, day=day)
    spot = planned(cast, kind="spot")
    eve = localize(datetime.combine(day - timedelta(days=1), time(15)), cast.school.time_zone)
    assert services.remind_inspectors(now=eve) == 0
    later = eve + timedelta(hours=1, minutes=5)
    assert services.remind_inspectors(now=later) == 1
    assert services.remind_inspectors(now=later + timedelta(minutes=30)) == 0
    notices = Notice.objects.filter(event=services.remind_key(inspection))
    assert notices.filter(channel="inapp", recipient=cast.leader.user).count() == 1
    assert "明天" in notices.first().subject
    assert not Notice.objects.filter(event__startswith=f"inspection.remind:{spot.pk}:").exists()
    inspection.refresh_from_db()
    assert inspection.reminded_at == later


def test_the_reminder_task_runs_the_service(cast):
    from assessment.tasks_inspect import remind_inspectors

    assert remind_inspectors.name == "assessment.tasks_inspect.remind_inspectors"
    assert remind_inspectors.apply().get().endswith("inspectors reminded")


# ---- the pages ----------------------------------------------------------------------------


def test_the_inspector_plans_scores_and_completes_on_the_pages(client, cast, criteria):
    client.force_login(cast.leader.user)
    today = services.school_today(cast.school)
    response = client.post(reverse("assessment:inspection-new"), {
        "kind": "monthly", "planned_on": today.isoformat(), "inspector": cast.leader.pk,
        "notes": "全面检查",
    })  # fmt: skip
    inspection = Inspection.objects.get(school=cast.school)
    assert response["Location"] == reverse("assessment:inspection-detail", args=[inspection.pk])
    score_url = reverse("assessment:inspection-score", args=[inspection.pk])
    assert cast.teacher.name in client.get(score_url).content.decode()
    form = client.get(score_url, {"subject": cast.teacher.pk}).content.decode()
    assert "迟到5分钟以内" in form
    late5 = criteria["rules"].rules.get(points=-1)
    data = {
        "subject": cast.teacher.pk,
        **{f"points_{c.pk}": str(c.max_points) for c in criteria.values()},
    }
    data[f"points_{criteria['logs'].pk}"] = "30"
    bad = client.post(score_url, data)
    assert bad.status_code == 400 and "score-errors" in bad.content.decode()
    assert not InspectionScore.objects.exists()
    data[f"points_{criteria['logs'].pk}"] = "22"
    data[f"rules_{criteria['rules'].pk}"] = [str(late5.pk)]
    data[f"note_{criteria['rules'].pk}"] = "迟到3分钟"
    assert client.post(score_url, data).status_code == 302
    assert sum(s.points for s in InspectionScore.objects.filter(subject=cast.teacher)) == 96
    again = client.get(score_url, {"subject": cast.teacher.pk}).content.decode()
    assert 'value="25.0"' in again and "checked" in again  # base shown, rule still ticked
    detail = client.get(
        reverse("assessment:inspection-detail", args=[inspection.pk])
    ).content.decode()
    assert "96" in detail and "迟到3分钟" in detail
    client.post(reverse("assessment:inspection-complete", args=[inspection.pk]))
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.DONE
    assert client.get(score_url)["Location"].endswith(
        reverse("assessment:inspection-detail", args=[inspection.pk]))  # fmt: skip
    data[f"points_{criteria['logs'].pk}"] = "1"
    client.post(score_url, data)
    assert sum(s.points for s in InspectionScore.objects.filter(subject=cast.teacher)) == 96


def test_inspection_pages_refuse_others(client, cast, criteria):
    inspection = planned(cast)
    detail = reverse("assessment:inspection-detail", args=[inspection.pk])
    score = reverse("assessment:inspection-score", args=[inspection.pk])
    for who in (cast.teacher, cast.guard):
        client.force_login(who.user)
        assert client.get(reverse("assessment:inspections")).status_code == 403
        assert client.get(detail).status_code == 403
    client.force_login(cast.other_admin.user)
    assert client.get(detail).status_code == 404
    assert client.get(score).status_code == 404
    other_leader = make_staff(cast.school, Role.LEADER)
    client.force_login(other_leader.user)
    assert client.get(detail).status_code == 200
    assert client.get(score).status_code == 403
    client.force_login(cast.leader.user)
    assert client.get(score, {"subject": cast.other_teacher.pk}).status_code == 404


def test_every_kind_of_evidence_has_a_source_and_a_gone_record_shows_as_removed():
    from django.utils import translation

    from assessment.evidence import SOURCES, resolve
    from assessment.models import EvidenceKind

    assert set(SOURCES) == set(EvidenceKind.values)
    gone = [EvidenceLink(kind=kind, object_id=10**9) for kind in EvidenceKind.values]
    with translation.override("en"):
        shown = resolve(gone)
    assert [url for _label, url in shown] == [""] * len(gone)
    assert all(label.endswith("(removed)") for label, _url in shown)
