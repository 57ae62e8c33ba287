"""Shift arithmetic in a school's local time.

Rule for local times that do not exist or exist twice (daylight-saving changes, not in China
but in schools elsewhere): a time inside a spring-forward gap is moved forward by the gap (02:30
becomes 03:30); an ambiguous time during fall-back is its first occurrence. Lengths are wall
clock: 17:00 + 15 h ends at 08:00 local the next day, whatever the night's real length.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta


def localize(naive: datetime, tz: str) -> datetime:
    """A naive local wall-clock time as an aware UTC datetime, following the rule above."""
    zone = zoneinfo.ZoneInfo(tz)
    # fold=0: ambiguous → first occurrence; nonexistent → the offset before the gap, which
    # normalises to the same wall time shifted forward by the gap.
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def shift_bounds(
    day: date, start: time, duration_minutes: int, tz: str
) -> tuple[datetime, datetime]:
    local_start = datetime.combine(day, start)
    local_end = local_start + timedelta(minutes=duration_minutes)
    return localize(local_start, tz), localize(local_end, tz)


def crosses_midnight(start: time, duration_minutes: int) -> bool:
    """Night shifts (and 24-hour duties) end on a later date than they start."""
    minutes = start.hour * 60 + start.minute + duration_minutes
    return minutes > 24 * 60
