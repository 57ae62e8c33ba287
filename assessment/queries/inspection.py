"""Reads for inspections: the list of a month, who can be scored, and the records of a person's
month that may be linked as evidence (read-only from roster, logbook and incidents)."""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from assessment.metrics import month_start, next_month
from assessment.models import (
    EvidenceKind,
    Inspection,
    InspectionScore,
    TrainingAttendance,
)
from assessment.services.inspection import INSPECTOR_ROLES
from incidents.models import Drill, Incident
from logbook.models import DutyLog, Hazard, PatrolRound
from roster.models import CheckIn, RosterStatus, Shift
from roster.timing import localize
from staff.models import Staff


def get_inspection_for_user(actor, pk: int) -> Inspection:
    """An inspection of the actor's school, or 404."""
    found = (
        Inspection.objects.select_related("school", "inspector", "shift__shift_type")
        .filter(pk=pk, school_id__in=actor.school_ids)
        .first()
    )
    if found is None:
        raise Http404
    return found


def get_shift_for_school(school, pk: int) -> Shift:
    shift = (
        Shift.objects.select_related("roster", "shift_type")
        .filter(pk=pk, roster__school=school)
        .first()
    )
    if shift is None:
        raise Http404
    return shift


def inspections(school, month=None):
    qs = Inspection.objects.filter(school=school).select_related("inspector", "shift__shift_type")
    if month is not None:
        qs = qs.filter(month=month_start(month))
    return qs.order_by("-month", "planned_on", "pk")


def inspectors(school):
    return (
        Staff.objects.filter(school=school, active=True, roles__role__in=list(INSPECTOR_ROLES))
        .distinct()
        .order_by("name")
    )


def subjects(inspection: Inspection):
    """The people on the inspected shift, or every active person of the school."""
    if inspection.shift_id:
        return Staff.objects.filter(assignments__shift_id=inspection.shift_id).order_by("name")
    return Staff.objects.filter(school_id=inspection.school_id, active=True).order_by("name")


def shifts_of_month(school, month):
    first, after = month_start(month), next_month(month)
    return (
        Shift.objects.filter(
            roster__school=school,
            roster__status=RosterStatus.PUBLISHED,
            date__gte=first,
            date__lt=after,
        )
        .select_related("shift_type")
        .order_by("starts_at")
    )


def scores_by_subject(inspection: Inspection) -> dict[int, list[InspectionScore]]:
    out: dict[int, list[InspectionScore]] = {}
    for s in (
        InspectionScore.objects.filter(inspection=inspection)
        .select_related("criterion", "subject")
        .order_by("subject__name", "criterion__position")
    ):
        out.setdefault(s.subject_id, []).append(s)
    return out


def _bounds(school, month):
    first, after = month_start(month), next_month(month)
    tz = school.time_zone
    return (
        first,
        after,
        localize(datetime.combine(first, time()), tz),
        localize(datetime.combine(after, time()), tz),
    )


def evidence_choices(inspection: Inspection, subject: Staff) -> list[tuple[str, int, str]]:
    """(kind, id, label) of the subject's records of the inspection's month (and its shift)."""
    school = inspection.school
    first, after, t0, t1 = _bounds(school, inspection.month)
    shift_q = Q(assignments__staff=subject)
    if inspection.shift_id:
        shift_q |= Q(pk=inspection.shift_id)
    shift_ids = list(
        Shift.objects.filter(roster__school=school, date__gte=first, date__lt=after)
        .filter(shift_q)
        .values_list("pk", flat=True)
        .distinct()
    )
    out: list[tuple[str, int, str]] = []
    for log in DutyLog.objects.filter(shift_id__in=shift_ids).select_related("shift__shift_type"):
        out.append((EvidenceKind.LOG, log.pk, f"{log.date:%m-%d} {log.shift.shift_type.name}"))  # noqa: PERF401
    for r in PatrolRound.objects.filter(
        school=school, started_at__gte=t0, started_at__lt=t1
    ).filter(Q(started_by=subject) | Q(shift_id__in=shift_ids)):
        out.append((EvidenceKind.PATROL, r.pk, f"{timezone.localtime(r.started_at):%m-%d %H:%M}"))  # noqa: PERF401
    for i in Incident.objects.filter(school=school, occurred_at__gte=t0, occurred_at__lt=t1).filter(
        Q(reporter=subject) | Q(shift_id__in=shift_ids)
    ):
        out.append(  # noqa: PERF401
            (EvidenceKind.INCIDENT, i.pk, f"{timezone.localtime(i.occurred_at):%m-%d} {i.location}")
        )
    for h in Hazard.objects.filter(school=school).filter(
        Q(found_by=subject, found_at__gte=t0, found_at__lt=t1)
        | Q(fixed_by=subject, fixed_at__gte=t0, fixed_at__lt=t1)
    ):
        out.append((EvidenceKind.HAZARD, h.pk, f"{h.code} {h.location}"))  # noqa: PERF401
    for c in CheckIn.objects.filter(
        assignment__staff=subject, assignment__shift_id__in=shift_ids
    ).select_related("assignment__shift__shift_type"):
        shift = c.assignment.shift
        out.append(
            (
                EvidenceKind.CHECKIN,
                c.pk,
                f"{shift.date:%m-%d} {shift.shift_type.name} "
                f"{timezone.localtime(c.checked_in_at):%H:%M}",
            )
        )
    for d in Drill.objects.filter(
        school=school, participants=subject, held_on__gte=first, held_on__lt=after
    ):
        out.append((EvidenceKind.DRILL, d.pk, f"{d.held_on:%m-%d} {d.scenario}"))  # noqa: PERF401
    for a in TrainingAttendance.objects.filter(
        staff=subject,
        session__school=school,
        session__held_on__gte=first,
        session__held_on__lt=after,
    ).select_related("session"):
        out.append(  # noqa: PERF401
            (EvidenceKind.TRAINING, a.session_id, f"{a.session.held_on:%m-%d} {a.session.title}")
        )
    return out
