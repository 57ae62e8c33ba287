"""Demo data for the logbook: a month of logs, patrols, hazards, visitors, handovers, reports.

Called by ``seed_demo`` after the roster's demo data (so shifts exist). Idempotent: each part
returns at once when its data is already there. Order matters: patrols before hazards (problem
items open hazards), hazards and visitors before handovers (which carry them).
"""

from __future__ import annotations

from datetime import datetime

from logbook.demo import handover, hazard, log, patrol, report, visit
from staff.demo import demo_now


def seed(school, *, now: datetime | None = None) -> list[str]:
    """``now``: the demo's instant (seed_demo's ``--now``; default the real now)."""
    now = demo_now(now)
    made: list[str] = []
    for part in (patrol, log, hazard, visit, handover, report):
        made.extend(part.seed(school, now=now))
    return made
