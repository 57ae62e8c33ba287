"""Reads for criteria."""

from __future__ import annotations

from django.http import Http404

from assessment.models import Criterion, ScoringRule


def criteria(school):
    return (
        Criterion.objects.filter(school=school)
        .prefetch_related("rules")
        .order_by("-active", "position", "pk")
    )


def get_criterion_for_user(actor, pk: int) -> Criterion:
    found = Criterion.objects.filter(pk=pk, school_id__in=actor.school_ids).first()
    if found is None:
        raise Http404
    return found


def get_rule_for_user(actor, pk: int) -> ScoringRule:
    found = (
        ScoringRule.objects.select_related("criterion")
        .filter(pk=pk, criterion__school_id__in=actor.school_ids)
        .first()
    )
    if found is None:
        raise Http404
    return found
