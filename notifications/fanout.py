"""From "tell these people about this event" to outbox rows: one per person per channel.

Channels for a person are their preference intersected with what the school has configured;
in-app always. Quiet hours (in the school's time zone) move a notice's due time to the end of
the quiet window, except for urgent notices, which go at once.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from notifications.models import ChannelConfig, Notice, Preference
from notifications.services import INAPP, publish_notice
from staff.models import School, Staff, User

PERSONAL_CHANNELS = {"email", "sms"}  # addressed to the person; chat robots post to a group


def end_of_quiet_hours(due: datetime, start: time | None, end: time | None, tz: str) -> datetime:
    """``due`` if it is outside the quiet window, else the moment the window ends."""
    if start is None or end is None or start == end:
        return due
    zone = zoneinfo.ZoneInfo(tz)
    local = due.astimezone(zone)
    now_t = local.time()
    crosses_midnight = start > end
    quiet = (start <= now_t or now_t < end) if crosses_midnight else (start <= now_t < end)
    if not quiet:
        return due
    end_day = local.date()
    if crosses_midnight and now_t >= start:
        end_day += timedelta(days=1)
    # fold=0 and normalising through UTC resolve nonexistent/ambiguous local times forward.
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(zoneinfo.ZoneInfo("UTC"))


def channels_for(user: User, preference: Preference | None, configured: set[str]) -> list[str]:
    wanted = preference.channels if preference else ["inapp", "email"]
    available = configured | {"email"}
    return [INAPP, *[kind for kind in wanted if kind != INAPP and kind in available]]


def address_for(kind: str, user: User, staff: Staff | None) -> str | None:
    """The person's address on a personal channel; None if they have none (skip it)."""
    if kind == "email":
        return user.email or None
    if kind == "sms":
        return staff.phone if staff else None
    return ""  # group robots use the school's configured URL


def notify(
    *,
    school: School,
    recipients: Iterable[User],
    event: str,
    subject: str,
    body: str = "",
    url: str = "",
    urgent: bool = False,
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> list[Notice]:
    """Publish ``event`` to each recipient on each of their channels, in the caller's
    transaction. Publishing the same event again adds nothing (idempotency keys). ``now``: the
    caller's clock (default the real one); a notice is due at once when ``due_at`` ≤ ``now``."""
    now = now or timezone.now()
    due = due_at or now
    users = list(recipients)
    configured = set(
        ChannelConfig.objects.filter(school=school, enabled=True).values_list("kind", flat=True)
    )
    preferences = {p.user_id: p for p in Preference.objects.filter(user__in=users)}
    staff = {s.user_id: s for s in Staff.objects.filter(user__in=users, school=school)}
    notices = []
    with transaction.atomic(savepoint=False):
        for user in users:
            preference = preferences.get(user.pk)
            user_due = due
            if preference and not urgent:
                user_due = end_of_quiet_hours(
                    due, preference.quiet_start, preference.quiet_end, school.time_zone
                )
            for kind in channels_for(user, preference, configured):
                address = address_for(kind, user, staff.get(user.pk))
                if address is None:
                    continue
                notices.append(
                    publish_notice(
                        school_id=school.pk,
                        recipient_id=user.pk,
                        event=event,
                        channel=kind,
                        subject=subject,
                        body=body,
                        url=url,
                        address=address,
                        urgent=urgent,
                        due_at=user_due,
                        now=now,
                    )
                )
    return notices
