"""Evidence links resolved to (label, url) for display, one query per kind."""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import EvidenceKind, EvidenceLink, TrainingSession
from incidents.models import Drill, Incident
from logbook.models import DutyLog, Hazard, PatrolRound
from roster.models import CheckIn


def resolve(links) -> list[tuple[str, str]]:
    """[(label, url)] for EvidenceLink rows, in the given order; a record since removed shows
    as "(removed)" without a link."""
    links = list(links)
    ids = defaultdict(set)
    for link in links:
        ids[link.kind].add(link.object_id)
    found: dict[tuple[str, int], tuple[str, str]] = {}
    kind_label = dict(EvidenceKind.choices)

    def put(kind, pk, label, url):
        found[(kind, pk)] = (f"{kind_label[kind]}: {label}", url)

    if ids[EvidenceKind.LOG]:
        for x in DutyLog.objects.filter(pk__in=ids[EvidenceKind.LOG]).select_related(
            "shift__shift_type"
        ):
            put(
                EvidenceKind.LOG,
                x.pk,
                f"{x.date:%Y-%m-%d} {x.shift.shift_type.name}",
                reverse("logbook:log", args=[x.pk]),
            )
    if ids[EvidenceKind.PATROL]:
        for x in PatrolRound.objects.filter(pk__in=ids[EvidenceKind.PATROL]):
            put(
                EvidenceKind.PATROL,
                x.pk,
                f"{timezone.localtime(x.started_at):%Y-%m-%d %H:%M}",
                reverse("logbook:round", args=[x.pk]),
            )
    if ids[EvidenceKind.HAZARD]:
        for x in Hazard.objects.filter(pk__in=ids[EvidenceKind.HAZARD]):
            put(
                EvidenceKind.HAZARD,
                x.pk,
                f"{x.code} {x.location}",
                reverse("logbook:hazard", args=[x.pk]),
            )
    if ids[EvidenceKind.INCIDENT]:
        for x in Incident.objects.filter(pk__in=ids[EvidenceKind.INCIDENT]):
            put(
                EvidenceKind.INCIDENT,
                x.pk,
                f"{timezone.localtime(x.occurred_at):%Y-%m-%d} {x.location}",
                reverse("incidents:detail", args=[x.pk]),
            )
    if ids[EvidenceKind.CHECKIN]:
        for x in CheckIn.objects.filter(pk__in=ids[EvidenceKind.CHECKIN]).select_related(
            "assignment__shift__shift_type"
        ):
            shift = x.assignment.shift
            put(
                EvidenceKind.CHECKIN,
                x.pk,
                f"{shift.date:%Y-%m-%d} {shift.shift_type.name} "
                f"{timezone.localtime(x.checked_in_at):%H:%M}",
                reverse("roster:week", args=[shift.roster_id]),
            )
    if ids[EvidenceKind.DRILL]:
        for x in Drill.objects.filter(pk__in=ids[EvidenceKind.DRILL]):
            put(
                EvidenceKind.DRILL,
                x.pk,
                f"{x.held_on:%Y-%m-%d} {x.scenario}",
                reverse("incidents:drills"),
            )
    if ids[EvidenceKind.TRAINING]:
        for x in TrainingSession.objects.filter(pk__in=ids[EvidenceKind.TRAINING]):
            put(
                EvidenceKind.TRAINING,
                x.pk,
                f"{x.held_on:%Y-%m-%d} {x.title}",
                reverse("assessment:training-detail", args=[x.pk]),
            )
    return [
        found.get(
            (link.kind, link.object_id),
            (f"{kind_label.get(link.kind, link.kind)}: {_('(removed)')}", ""),
        )
        for link in links
    ]


def for_inspection(inspection) -> list[tuple[str, str]]:
    return resolve(EvidenceLink.objects.filter(inspection=inspection).order_by("kind", "object_id"))


def for_subject(inspection, subject_id: int) -> list[tuple[str, str]]:
    """The evidence one person's scores in an inspection rest on (a person's own month page
    should show these rather than every link of the inspection)."""
    return resolve(
        EvidenceLink.objects.filter(inspection=inspection, score__subject_id=subject_id).order_by(
            "kind", "object_id"
        )
    )
