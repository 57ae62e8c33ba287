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


def _checkin_label(x) -> str:
    shift = x.assignment.shift
    return (
        f"{shift.date:%Y-%m-%d} {shift.shift_type.name} {timezone.localtime(x.checked_in_at):%H:%M}"
    )


# Per kind: the records (one query), the label and the page of one record.
SOURCES = {
    EvidenceKind.LOG: (
        lambda: DutyLog.objects.select_related("shift__shift_type"),
        lambda x: f"{x.date:%Y-%m-%d} {x.shift.shift_type.name}",
        lambda x: reverse("logbook:log", args=[x.pk]),
    ),
    EvidenceKind.PATROL: (
        lambda: PatrolRound.objects.all(),
        lambda x: f"{timezone.localtime(x.started_at):%Y-%m-%d %H:%M}",
        lambda x: reverse("logbook:round", args=[x.pk]),
    ),
    EvidenceKind.HAZARD: (
        lambda: Hazard.objects.all(),
        lambda x: f"{x.code} {x.location}",
        lambda x: reverse("logbook:hazard", args=[x.pk]),
    ),
    EvidenceKind.INCIDENT: (
        lambda: Incident.objects.all(),
        lambda x: f"{timezone.localtime(x.occurred_at):%Y-%m-%d} {x.location}",
        lambda x: reverse("incidents:detail", args=[x.pk]),
    ),
    EvidenceKind.CHECKIN: (
        lambda: CheckIn.objects.select_related("assignment__shift__shift_type"),
        _checkin_label,
        lambda x: reverse("roster:week", args=[x.assignment.shift.roster_id]),
    ),
    EvidenceKind.DRILL: (
        lambda: Drill.objects.all(),
        lambda x: f"{x.held_on:%Y-%m-%d} {x.scenario}",
        lambda x: reverse("incidents:drills"),
    ),
    EvidenceKind.TRAINING: (
        lambda: TrainingSession.objects.all(),
        lambda x: f"{x.held_on:%Y-%m-%d} {x.title}",
        lambda x: reverse("assessment:training-detail", args=[x.pk]),
    ),
}


def resolve(links) -> list[tuple[str, str]]:
    """[(label, url)] for EvidenceLink rows, in the given order; a record since removed shows
    as "(removed)" without a link. One query per kind present."""
    links = list(links)
    ids = defaultdict(set)
    for link in links:
        ids[link.kind].add(link.object_id)
    kind_label = dict(EvidenceKind.choices)
    found: dict[tuple[str, int], tuple[str, str]] = {}
    for kind, wanted in ids.items():
        if kind not in SOURCES:
            continue
        records, label, url = SOURCES[kind]
        for x in records().filter(pk__in=wanted):
            found[(kind, x.pk)] = (f"{kind_label[kind]}: {label(x)}", url(x))
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
