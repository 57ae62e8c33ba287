"""Reads for training: sessions of a school, and one person's training and drills."""

from __future__ import annotations

from django.http import Http404

from assessment.models import TrainingAttendance, TrainingSession
from incidents.models import Drill


def sessions(school):
    return TrainingSession.objects.filter(school=school).order_by("-held_on", "-pk")


def get_session_for_user(actor, pk: int) -> TrainingSession:
    found = TrainingSession.objects.filter(pk=pk, school_id__in=actor.school_ids).first()
    if found is None:
        raise Http404
    return found


def attendance(session):
    return (
        TrainingAttendance.objects.filter(session=session)
        .select_related("staff")
        .order_by("-attended", "staff__name")
    )


def person_record(staff, start=None, end=None) -> dict:
    """A person's training sessions attended and drills taken part in (optionally in dates)."""
    att = TrainingAttendance.objects.filter(staff=staff, attended=True).select_related("session")
    drills = Drill.objects.filter(participants=staff, school_id=staff.school_id)
    if start:
        att = att.filter(session__held_on__gte=start)
        drills = drills.filter(held_on__gte=start)
    if end:
        att = att.filter(session__held_on__lt=end)
        drills = drills.filter(held_on__lt=end)
    return {
        "training": [a.session for a in att.order_by("-session__held_on")],
        "drills": list(drills.order_by("-held_on")),
    }
