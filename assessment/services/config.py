"""The school's assessment settings, created with defaults on first use."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessment.models import AssessmentSettings


def settings_for(school) -> AssessmentSettings:
    found = AssessmentSettings.objects.filter(school=school).first()
    if found is not None:
        return found
    with transaction.atomic():
        found, _created = AssessmentSettings.objects.get_or_create(
            school=school, defaults={"feedback_token": secrets.token_urlsafe(24)}
        )
    return found


def check_weights(values: dict) -> None:
    """The parts of a month score must add up to 100 %; metrics count only when switched on."""
    total = (
        values["weight_inspection"]
        + values["weight_peer"]
        + values["weight_feedback"]
        + (values["weight_metrics"] if values["metrics_count"] else 0)
    )
    if total != 100:
        raise ValidationError(
            _("The weights add up to %(total)s %%; they must add up to 100 %%.") % {"total": total}
        )
