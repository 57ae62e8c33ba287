"""Reads for the notification pages, and the permission choke-points for notices.

A person sees their own notices; a school's administrator sees every notice of the school
(the delivery log). Ids outside the actor's reach are 404, so they reveal nothing.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from notifications.channels.base import CHANNEL_KINDS
from notifications.models import (
    ChannelConfig,
    DeliveryAttempt,
    Notice,
    NoticeStatus,
    Preference,
    default_channels,
)
from notifications.preferences import CONFIG_FIELDS, ROBOT_KINDS
from notifications.services import INAPP
from staff.models import Role
from staff.queries import Actor

CHANNEL_LABELS = {INAPP: _("In-app"), **dict(CHANNEL_KINDS)}


def inbox_notices(*, user) -> QuerySet[Notice]:
    """The in-app notices that have arrived for ``user``, newest first."""
    return Notice.objects.filter(recipient=user, channel=INAPP, status=NoticeStatus.SENT).order_by(
        "-sent_at", "-pk"
    )


def unread_count(*, user) -> int:
    return inbox_notices(user=user).filter(read_at__isnull=True).count()


def get_notice_for_user(actor: Actor, pk: int, *, manage: bool = False) -> Notice:
    """The notice ``pk`` if the actor may see it: their own, or any notice of a school they
    administer. ``manage`` (the delivery log, retrying) needs the administrator."""
    admin_schools = actor.school_ids if actor.has_any(Role.ADMIN) else frozenset()
    notice = (
        Notice.objects.select_related("recipient__staff")
        .filter(Q(recipient=actor.user) | Q(school__in=admin_schools), pk=pk)
        .first()
    )
    if notice is None:
        raise Http404
    if manage and not actor.can_admin(notice.school_id):
        raise PermissionDenied
    return notice


def get_inbox_notice_for_user(actor: Actor, pk: int) -> Notice:
    """One of the actor's own in-app notices (to open or mark read); anything else is 404."""
    notice = inbox_notices(user=actor.user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def notice_attempts(*, notice: Notice) -> QuerySet[DeliveryAttempt]:
    return notice.delivery_attempts.order_by("number")


def delivery_log(
    *,
    actor: Actor,
    status: str = "",
    channel: str = "",
    day: date | None = None,
) -> QuerySet[Notice]:
    """The administrator's school's notices, newest first, optionally filtered. ``day`` is a
    calendar day in the school's time zone, matched on the notice's creation time."""
    school = actor.school
    if school is None or not actor.can_admin(school.pk):
        raise PermissionDenied
    rows = Notice.objects.filter(school=school)
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
    if day is not None:
        start = datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(school.time_zone))
        rows = rows.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
    return rows.select_related("recipient__staff").order_by("-created_at", "-pk")


@dataclass(frozen=True)
class ChannelStatus:
    kind: str
    label: str
    row: ChannelConfig | None
    configurable: bool

    @property
    def enabled(self) -> bool:
        return self.kind == "email" or bool(self.row and self.row.enabled)


def channel_overview(*, actor: Actor) -> list[ChannelStatus]:
    """Every channel kind with the school's configuration of it (if any)."""
    school = actor.school
    if school is None or not actor.can_admin(school.pk):
        raise PermissionDenied
    rows = {row.kind: row for row in ChannelConfig.objects.filter(school=school)}
    return [
        ChannelStatus(kind, label, rows.get(kind), kind in CONFIG_FIELDS)
        for kind, label in CHANNEL_KINDS
    ]


def channel_config_for(*, actor: Actor, kind: str) -> ChannelConfig | None:
    """The school's row for ``kind`` (None if not configured yet); 404 for other kinds."""
    if kind not in CONFIG_FIELDS:
        raise Http404
    school = actor.school
    if school is None or not actor.can_admin(school.pk):
        raise PermissionDenied
    return ChannelConfig.objects.filter(school=school, kind=kind).first()


def preference_initial(*, user) -> dict:
    """The settings form's starting values: the saved preference, else the defaults fan-out
    uses (without e-mail when the login has no address, which could not be saved)."""
    saved = Preference.objects.filter(user=user).first()
    channels = saved.channels if saved else default_channels()
    if not user.email:
        channels = [kind for kind in channels if kind != "email"]
    return {
        "channels": channels,
        "email": user.email,
        "quiet_start": saved.quiet_start if saved else None,
        "quiet_end": saved.quiet_end if saved else None,
    }


def offered_channels(*, actor: Actor) -> list[tuple[str, str]]:
    """The channels a person may choose: e-mail always (the deployment's SMTP), SMS and the
    chat robots when their school has enabled them. In-app is implied."""
    enabled = set()
    if actor.school is not None:
        enabled = set(
            ChannelConfig.objects.filter(school=actor.school, enabled=True).values_list(
                "kind", flat=True
            )
        )
    personal = ("email", "sms", *ROBOT_KINDS)
    return [(kind, CHANNEL_LABELS[kind]) for kind in personal if kind == "email" or kind in enabled]
