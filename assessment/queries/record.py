"""Reads for the scores pages and the annual record, and who may open them.

Rankings, the shortlist and other people's scores are the principal's only (MOE 2025: no public
rankings of teachers); everyone else sees their own record. Records of another school are 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Sum
from django.http import Http404

from assessment import metrics as metric_source
from assessment.models import (
    FlagStatus,
    Inspection,
    InspectionScore,
    InspectionStatus,
    MonthScore,
    Proposal,
    ProposalStatus,
    ReviewFlag,
    TrainingAttendance,
)
from assessment.services.config import settings_for
from assessment.services.record import add_months
from incidents.queries.plans import drills_for
from roster.models import Term
from staff.models import Role, Staff
from staff.queries import Actor

SHORTLIST_SIZE = 5
SHORTLIST_PERCENT = 90  # of full marks: the bar for "outstanding duty staff"
SORTS = {
    "total": "total",
    "inspection": "inspection",
    "peer": "peer",
    "feedback": "feedback",
    "metrics": "metrics_score",
}


def is_principal(actor: Actor) -> bool:
    return actor.staff is not None and actor.has_any(Role.PRINCIPAL)


def principal_school(actor: Actor):
    """The school whose rankings the actor may see: the principal's own, nobody else's."""
    if not is_principal(actor):
        raise PermissionDenied
    return actor.staff.school


def get_subject_for_user(actor: Actor, pk: int) -> Staff:
    """A person whose scores the actor asks for: themself, or anyone of the school for the
    principal. Another school's person is 404; a colleague's record 403."""
    person = Staff.objects.select_related("school").filter(pk=pk).first()
    if person is None or person.school_id not in actor.school_ids or actor.staff is None:
        raise Http404
    if person.pk != actor.staff.pk and not is_principal(actor):
        raise PermissionDenied
    return person


def month_table(school, month: date, sort: str = "total") -> list[MonthScore]:
    """The month's scores, best first by the chosen column (the principal's ranking)."""
    field = SORTS.get(sort, "total")
    rows = (
        MonthScore.objects.filter(school=school, month=month, staff__active=True)
        .select_related("staff")
        .order_by(f"-{field}", "staff__name")
    )
    # Nulls last: a person with nothing scored is not "best".
    rows = list(rows)
    return [r for r in rows if getattr(r, field) is not None] + [
        r for r in rows if getattr(r, field) is None
    ]


def shortlist(rows: list[MonthScore], full_marks: int) -> list[MonthScore]:
    bar = Decimal(full_marks * SHORTLIST_PERCENT) / 100
    best = sorted((r for r in rows if r.total is not None), key=lambda r: -r.total)
    return [r for r in best if r.total >= bar][:SHORTLIST_SIZE]


def open_flags(school) -> list[ReviewFlag]:
    return list(
        ReviewFlag.objects.filter(school=school, status=FlagStatus.OPEN)
        .select_related("staff")
        .order_by("-last_month", "staff__name")
    )


@dataclass
class InspectionView:
    inspection: Inspection
    scores: list[InspectionScore]
    points: Decimal
    most: Decimal


def inspections_for(person: Staff, months: tuple[date, date]) -> list[InspectionView]:
    """Done inspections that scored ``person`` in [first month, last month], with their
    criteria lines and evidence."""
    scores = (
        InspectionScore.objects.filter(
            subject=person,
            inspection__status=InspectionStatus.DONE,
            inspection__month__gte=months[0],
            inspection__month__lte=months[1],
        )
        .select_related("inspection__inspector", "criterion")
        .prefetch_related("inspection__evidence")
        .order_by("inspection__month", "inspection__done_at", "criterion__position")
    )
    found: dict[int, InspectionView] = {}
    for score in scores:
        view = found.setdefault(
            score.inspection_id, InspectionView(score.inspection, [], Decimal(0), Decimal(0))
        )
        view.scores.append(score)
        view.points += score.points
        view.most += score.criterion.max_points
    return list(found.values())


def evidence_links(view: InspectionView) -> list[tuple[str, str]]:
    """(label, url) for the evidence behind this person's scores in the inspection (never the
    links attached to a colleague's scores in the same inspection)."""
    from assessment.evidence import resolve

    mine = {score.pk for score in view.scores}
    return resolve([e for e in view.inspection.evidence.all() if e.score_id in mine])


def person_month(person: Staff, month: date) -> dict:
    school = person.school
    row = MonthScore.objects.filter(staff=person, month=month).first()
    measured = metric_source.month_metrics(school, month, staff_ids=[person.pk])
    inspections = inspections_for(person, (month, month))
    for view in inspections:
        view.links = evidence_links(view)
    return {
        "row": row,
        "inspections": inspections,
        "metrics": list(measured.get(person.pk, {}).values()),
    }


def criterion_percentages(person: Staff, year: int) -> list[tuple[str, Decimal]]:
    rows = (
        InspectionScore.objects.filter(
            subject=person,
            inspection__status=InspectionStatus.DONE,
            inspection__month__year=year,
        )
        .values("criterion__name", "criterion__position")
        .annotate(points=Sum("points"), most=Sum("criterion__max_points"))
        .order_by("criterion__position", "criterion__name")
    )
    return [
        (r["criterion__name"], min(r["points"] * 100 / r["most"], Decimal(100)))
        for r in rows
        if r["most"]
    ]


def term_scores(school, staff_ids=None) -> list[dict]:
    """Each term's mean of the month totals in it, per person (a person with no scored month
    in a term has no term score)."""
    terms = list(Term.objects.filter(school=school).order_by("start_date"))
    result = []
    for term in terms:
        rows = MonthScore.objects.filter(
            school=school,
            month__gte=term.start_date.replace(day=1),
            month__lte=term.end_date,
            total__isnull=False,
        )
        if staff_ids is not None:
            rows = rows.filter(staff__in=staff_ids)
        means = dict(
            rows.values("staff_id").annotate(mean=Avg("total")).values_list("staff_id", "mean")
        )
        result.append({"term": term, "means": means})
    return result


def annual_record(person: Staff, year: int) -> dict:
    school = person.school
    settings = settings_for(school)
    first, last = date(year, 1, 1), date(year, 12, 1)
    scores = {
        s.month: s
        for s in MonthScore.objects.filter(staff=person, month__gte=first, month__lte=last)
    }
    months = [add_months(first, i) for i in range(12)]
    terms = [
        {"term": t["term"], "mean": t["means"].get(person.pk)}
        for t in term_scores(school, staff_ids=[person.pk])
        if t["term"].start_date.year == year or t["term"].end_date.year == year
    ]
    proposals = Proposal.objects.filter(
        subject=person, status=ProposalStatus.APPROVED, decided_at__year=year
    ).order_by("decided_at")
    training = (
        TrainingAttendance.objects.filter(staff=person, session__held_on__year=year)
        .select_related("session")
        .order_by("session__held_on")
    )
    return {
        "person": person,
        "year": year,
        "settings": settings,
        "months": [(m, scores.get(m)) for m in months],
        "terms": terms,
        "inspections": inspections_for(person, (first, last)),
        "rewards": [p for p in proposals if p.kind == "reward"],
        "penalties": [p for p in proposals if p.kind == "penalty"],
        "training": list(training),
        "drills": list(drills_for(person, year)),
        "criteria": criterion_percentages(person, year),
    }
