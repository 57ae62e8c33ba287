"""Writes for the visitor register: register, sign out, the audited reveal, retention purge.

The ID number is turned into ciphertext + lookup HMAC + masked form here, in memory, and the
plaintext goes no further (not into the row, a message, a notice or a log line).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from logbook import crypto
from logbook.idcard import mask_id_number, normalize_id_number
from logbook.models.visit import DEFAULT_RETENTION_DAYS, Visit, VisitIdReveal, VisitorSettings
from staff.models import Role, School, Staff
from staff.phones import normalize_phone
from staff.queries import Actor

logger = logging.getLogger(__name__)

# Who works the register (the gate and the duty staff) and sees visitors' personal data.
VISIT_ROLES = (Role.GUARD, Role.TEACHER, Role.LEADER, Role.PRINCIPAL, Role.ADMIN)
# Who may reveal a full ID number (each time audited): the office and the principal, who answer
# to the police or the bureau. Guards and teachers work with the masked number.
FULL_ID_ROLES = (Role.ADMIN, Role.PRINCIPAL)
# A clock a few minutes fast on a phone must not refuse a visitor who just walked in.
CLOCK_SLACK = timedelta(minutes=5)
TEXT_FIELDS = ("organisation", "purpose", "host_text", "plate", "items", "badge", "escort")
ERASED = {
    "name": "",
    "phone": "",
    "id_cipher": "",
    "id_lookup": "",
    "id_masked": "",
    "organisation": "",
    "purpose": "",
    "plate": "",
    "items": "",
    "badge": "",
    "escort": "",
}


def require_register(actor: Actor, school: School) -> None:
    if school.pk not in actor.school_ids or actor.staff is None:
        raise Http404
    if not actor.has_any(*VISIT_ROLES):
        raise PermissionDenied


def register_visit(
    *,
    school: School,
    actor: Actor,
    name: str,
    phone: str,
    id_type: str,
    id_number: str,
    purpose: str,
    time_in: datetime | None = None,
    time_out: datetime | None = None,
    organisation: str = "",
    host: Staff | None = None,
    host_text: str = "",
    party_size: int = 1,
    plate: str = "",
    items: str = "",
    badge: str = "",
    escort: str = "",
    now: datetime | None = None,
) -> Visit:
    require_register(actor, school)
    now = now or timezone.now()
    time_in = time_in or now
    number = normalize_id_number(id_type, id_number)
    if host is not None and host.school_id != school.pk:
        raise ValidationError(_("Choose a person of this school."))
    if time_in > now + CLOCK_SLACK:
        raise ValidationError(_("The time in is in the future."))
    if time_out is not None:
        _check_time_out(time_in, time_out, now)
    if not 1 <= party_size <= 99:
        raise ValidationError(_("The party is 1 to 99 people."))
    text = dict(
        zip(
            TEXT_FIELDS,
            (organisation, purpose, host_text, plate, items, badge, escort),
            strict=True,
        )
    )
    with transaction.atomic(durable=True):
        visit = Visit.objects.create(
            school=school,
            time_in=time_in,
            time_out=time_out,
            name=name.strip(),
            phone=normalize_phone(phone),
            id_type=id_type,
            id_cipher=crypto.encrypt(number),
            id_lookup=crypto.lookup_hmac(id_type, number),
            id_masked=mask_id_number(number),
            host=host,
            party_size=party_size,
            registered_by=actor.user,
            signed_out_by=actor.user if time_out else None,
            **{key: value.strip() for key, value in text.items()},
        )
    logger.info("visit %s registered in school %s", visit.pk, school.pk)
    return visit


def _check_time_out(time_in: datetime, time_out: datetime, now: datetime) -> None:
    if time_out < time_in:
        raise ValidationError(_("The time out is before the time in."), code="out_before_in")
    if time_out > now + CLOCK_SLACK:
        raise ValidationError(_("The time out is in the future."), code="out_future")


def sign_out_visit(
    *, visit: Visit, actor: Actor, at: datetime | None = None, now: datetime | None = None
) -> Visit:
    """Record the time out. A second tap (or a second guard) finds it already signed out."""
    require_register(actor, visit.school)
    now = now or timezone.now()
    at = at or now
    if visit.purged_at is not None:
        raise ValidationError(_("This visit's record has been erased."))
    _check_time_out(visit.time_in, at, now)
    with transaction.atomic(durable=True):
        changed = Visit.objects.filter(
            pk=visit.pk, time_out__isnull=True, purged_at__isnull=True
        ).update(time_out=at, signed_out_by=actor.user)
    if not changed:
        raise ValidationError(_("This visitor has already been signed out."))
    visit.refresh_from_db(fields=["time_out", "signed_out_by"])
    return visit


def reveal_id_number(*, visit: Visit, actor: Actor, now: datetime | None = None) -> str:
    """The full number, for the roles that may see it; every call leaves an audit row."""
    if visit.school_id not in actor.school_ids:
        raise Http404
    if not actor.has_any(*FULL_ID_ROLES):
        raise PermissionDenied
    if visit.purged_at is not None or not visit.id_cipher:
        raise ValidationError(_("This visit's record has been erased."))
    with transaction.atomic(durable=True):
        VisitIdReveal.objects.create(
            visit=visit, revealed_by=actor.user, revealed_at=now or timezone.now()
        )
    # Who and which visit, never the number.
    logger.info("ID number of visit %s revealed to user %s", visit.pk, actor.user.pk)
    return crypto.decrypt(visit.id_cipher)


def save_visitor_settings(*, school: School, actor: Actor, retention_days: int) -> VisitorSettings:
    if not actor.can_admin(school.pk):
        raise PermissionDenied
    if not 1 <= retention_days <= 3650:
        raise ValidationError(_("Keep visitor data for 1 to 3650 days."))
    with transaction.atomic(durable=True):
        row, _created = VisitorSettings.objects.update_or_create(
            school=school, defaults={"retention_days": retention_days}
        )
    return row


def retention_days_for(school: School | int) -> int:
    row = VisitorSettings.objects.filter(school=school).first()
    return row.retention_days if row else DEFAULT_RETENTION_DAYS


def purge_expired_visits(*, now: datetime | None = None) -> int:
    """Erase personal fields of visits that came in longer ago than their school's retention
    period. The rows stay (purged_at set) so counts by day still add up. Idempotent: only
    unpurged rows are touched, one conditional UPDATE per school."""
    now = now or timezone.now()
    retention = dict(VisitorSettings.objects.values_list("school_id", "retention_days"))
    school_ids = (
        Visit.objects.filter(purged_at__isnull=True)
        .order_by()
        .values_list("school_id", flat=True)
        .distinct()
    )
    purged = 0
    for school_id in list(school_ids):
        cutoff = now - timedelta(days=retention.get(school_id, DEFAULT_RETENTION_DAYS))
        with transaction.atomic(durable=True):
            purged += Visit.objects.filter(
                school_id=school_id, purged_at__isnull=True, time_in__lt=cutoff
            ).update(purged_at=now, **ERASED)
    if purged:
        logger.info("purged personal data of %s visits", purged)
    return purged


def rotate_visit_keys(*, batch: int = 500) -> int:
    """Re-encrypt every stored number under the first key and recompute its lookup HMAC with
    the current lookup key (manage.py rotate_visitor_keys). Safe to run again."""
    done = 0
    last = 0
    while True:
        with transaction.atomic(durable=True):
            rows = list(
                Visit.objects.select_for_update()
                .filter(pk__gt=last, purged_at__isnull=True)
                .exclude(id_cipher="")
                .order_by("pk")
                .only("pk", "id_type", "id_cipher")[:batch]
            )
            for visit in rows:
                number = crypto.decrypt(visit.id_cipher)
                visit.id_cipher = crypto.encrypt(number)
                visit.id_lookup = crypto.lookup_hmac(visit.id_type, number)
            Visit.objects.bulk_update(rows, ["id_cipher", "id_lookup"])
        if not rows:
            return done
        done += len(rows)
        last = rows[-1].pk
