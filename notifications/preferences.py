"""Writes behind the notification pages: a person's preferences, a school's channel
configuration, and a test notice. Delivery itself lives in services.py and fanout.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from notifications.fanout import notify
from notifications.models import ChannelConfig, Notice, Preference
from notifications.services import INAPP, forget_channel_configs
from staff.models import School, User
from staff.queries import Actor

ROBOT_KINDS = ("dingtalk", "wecom", "feishu")
# The keys each configurable kind's channel class reads (see channels/webhooks.py and sms.py);
# the secret ones are write-only on the page. Other keys already stored (timeout, provider) are
# kept untouched.
CONFIG_FIELDS: dict[str, tuple[str, ...]] = {
    "dingtalk": ("url", "secret"),
    "wecom": ("url",),
    "feishu": ("url", "secret"),
    "webhook": ("url", "token"),
    "sms": ("url", "token", "sign_name"),
}
SECRET_FIELDS = frozenset({"secret", "token"})
validate_http_url = URLValidator(schemes=["http", "https"])


def save_preference(
    *,
    user: User,
    channels: Iterable[str],
    quiet_start: time | None,
    quiet_end: time | None,
    email: str | None = None,
    available: Iterable[str] = (INAPP, "email"),
) -> Preference:
    """Store how ``user`` wants to be reached. In-app is always on; a channel must be one the
    school offers (``available``), and e-mail needs an address. ``email`` (if given) replaces
    the address on the login."""
    offered = set(available) | {INAPP}
    chosen = [INAPP, *sorted({c for c in channels if c != INAPP})]
    unknown = [c for c in chosen if c not in offered]
    if unknown:
        raise ValidationError(_("Unknown channel: %(kinds)s"), params={"kinds": ", ".join(unknown)})
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError(_("Give both the start and the end of the quiet hours, or neither."))
    address = user.email if email is None else email.strip()
    if "email" in chosen and not address:
        raise ValidationError(_("Enter your e-mail address to receive notices by e-mail."))
    with transaction.atomic(durable=True):
        if address != user.email:
            user.email = address
            user.save(update_fields=["email"])
        preference, _created = Preference.objects.update_or_create(
            user=user,
            defaults={"channels": chosen, "quiet_start": quiet_start, "quiet_end": quiet_end},
        )
    return preference


def save_channel_config(
    *,
    school: School,
    kind: str,
    config: dict[str, str],
    enabled: bool,
    actor: Actor,
    name: str = "",
    clear: Iterable[str] = (),
) -> ChannelConfig:
    """Create or update the school's configuration of ``kind``. A blank secret keeps the one
    stored; names in ``clear`` remove a stored secret."""
    if not actor.can_admin(school.pk):
        raise PermissionDenied
    if kind not in CONFIG_FIELDS:
        raise ValidationError(_("This channel cannot be configured."))
    url = (config.get("url") or "").strip()
    validate_http_url(url)
    with transaction.atomic(durable=True):
        row = ChannelConfig.objects.select_for_update().filter(school=school, kind=kind).first()
        merged = dict(row.config) if row else {}
        for key in CONFIG_FIELDS[kind]:
            value = (config.get(key) or "").strip()
            if key in SECRET_FIELDS and not value:
                if key in clear:
                    merged.pop(key, None)
                continue
            merged[key] = value
        if row is None:
            row = ChannelConfig.objects.create(
                school=school, kind=kind, name=name, config=merged, enabled=enabled
            )
        else:
            row.config, row.enabled, row.name = merged, enabled, name
            row.save(update_fields=["config", "enabled", "name"])
    # This process reads the new configuration at once; workers within CONFIG_TTL.
    transaction.on_commit(forget_channel_configs)
    return row


def send_test_notice(*, actor: Actor) -> list[Notice]:
    """A test notice to the actor on each of their channels, through the normal fan-out."""
    if actor.school is None:
        raise ValidationError(_("Test notices need a login linked to a school."))
    with transaction.atomic(durable=True):
        return notify(
            school=actor.school,
            recipients=[actor.user],
            event=f"test:{uuid.uuid4().hex}",
            subject=_("Test notice from DutySchool"),
            body=_("If you can read this, notices reach you on this channel."),
        )
