"""A person's duties as an iCalendar feed (RFC 5545), behind a secret per-person token.

``person_calendar`` lists the duties in *published* rosters from 60 days ago on; drafts never
leak. Times carry the school's TZID and the file has the matching VTIMEZONE, so calendar apps
show 08:00 in Shanghai whatever the phone's zone. Each event's UID is stable per assignment, so
a re-published or changed roster updates events instead of duplicating them.

Feed tokens: ``<staff pk>.<HMAC-SHA256 of the pk, keyed by SECRET_KEY and FEED_SALT>``, built
with ``django.core.signing`` — no table, nothing to store. Anyone with the URL can read that
one person's duties (that is what calendar subscriptions need), so:

- rotating: changing ``SECRET_KEY`` or ``FEED_SALT`` revokes every feed at once (everyone
  subscribes again from "My duties"); there is no per-person revocation without a stored
  secret — add one (a nonce on Staff mixed into the signed value) if that is ever needed;
- a person who is no longer active gets no feed (``staff_for_feed_token`` returns None).
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from roster.models import Assignment, RosterStatus
from staff.models import Role, Staff

FEED_SALT = "dutyschool.roster.ical-feed.v1"
PAST = timedelta(days=60)
ALARM_BEFORE = timedelta(hours=1)
PRODID = "-//DutySchool//值班值守管理系统//ZH"
ROLE_WORDS = {
    Role.LEADER: "带班领导",
    Role.TEACHER: "值班教师",
    Role.GUARD: "保安",
    Role.TECH: "技术支持",
    Role.PRINCIPAL: "值班校长",
    Role.ADMIN: "值班人员",
}


def _signer() -> signing.Signer:
    return signing.Signer(salt=FEED_SALT, sep=".", algorithm="sha256")


def feed_token(staff: Staff) -> str:
    """The secret part of this person's feed URL (URL-safe)."""
    return _signer().sign(str(staff.pk))


def staff_for_feed_token(token: str) -> Staff | None:
    """The active person this token was made for, or None for a wrong or forged token."""
    try:
        value = _signer().unsign(str(token or ""))
    except signing.BadSignature:
        return None
    if not value.isdigit():
        return None
    return Staff.objects.select_related("school").filter(pk=int(value), active=True).first()


def person_calendar(staff: Staff, *, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    school = staff.school
    zone = zoneinfo.ZoneInfo(school.time_zone)
    duties = list(
        Assignment.objects.filter(
            staff=staff,
            shift__roster__status=RosterStatus.PUBLISHED,
            shift__ends_at__gte=now - PAST,
        )
        .select_related("shift__shift_type", "shift__roster")
        .order_by("shift__starts_at", "pk")
    )
    leaders = _leaders_by_day(duties)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Duties of %(name)s") % {"name": staff.name})
    cal.add("x-wr-timezone", school.time_zone)
    for duty in duties:
        shift = duty.shift
        role = ROLE_WORDS.get(duty.role, duty.get_role_display())
        event = Event()
        event.add("uid", f"assignment-{duty.pk}@dutyschool")
        event.add("dtstamp", now)
        event.add("dtstart", shift.starts_at.astimezone(zone))
        event.add("dtend", shift.ends_at.astimezone(zone))
        event.add("summary", f"值班：{shift.shift_type.name}（{role}）")
        event.add("location", school.name)
        lines = []
        leader = leaders.get((shift.roster_id, shift.date))
        if leader is not None:
            lines.append(f"带班领导：{leader.name} {leader.phone}")
        if school.duty_phone:
            lines.append(f"值班电话：{school.duty_phone}")
        lines.append(f"{shift.roster.name}")
        event.add("description", "\n".join(lines))
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"值班：{shift.shift_type.name}")
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
        cal.add_component(event)
    # One VTIMEZONE per TZID used, with the transitions around the events' years.
    years = [d.shift.date.year for d in duties] or [now.year]
    first = date(min(years) - 1, 1, 1)
    last = date(max(years) + 2, 1, 1)
    if duties:
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()


def _leaders_by_day(duties: list[Assignment]) -> dict[tuple[int, date], Staff]:
    """The duty leader (带班领导) of each day these duties fall on: the leader on the same
    roster and date (the night shift has none of its own; the day's leader leads it)."""
    keys = {(d.shift.roster_id, d.shift.date) for d in duties}
    if not keys:
        return {}
    rows = (
        Assignment.objects.filter(
            role=Role.LEADER,
            shift__roster__in={k[0] for k in keys},
            shift__date__in={k[1] for k in keys},
        )
        .select_related("staff", "shift")
        .order_by("shift__starts_at", "pk")
    )
    found: dict[tuple[int, date], Staff] = {}
    for row in rows:
        found.setdefault((row.shift.roster_id, row.shift.date), row.staff)
    return found


__all__ = ["FEED_SALT", "feed_token", "person_calendar", "staff_for_feed_token"]
