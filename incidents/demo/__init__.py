"""Demo data for incidents: plans first (an incident opens its plan's checklist), then
incidents in every status and severity, then reports up and reviews."""

from __future__ import annotations

from datetime import datetime

from incidents.demo import incident, plans, review
from staff.demo import demo_now


def seed(school, *, now: datetime | None = None) -> list[str]:
    """``now``: the demo's instant (seed_demo's ``--now``; default the real now)."""
    now = demo_now(now)
    made: list[str] = []
    for part in (plans, incident, review):
        made.extend(part.seed(school, now=now))
    return made
