"""Demo data for assessment (the seed_demo hook): inspections, training and metrics (inspect),
peer review, feedback, rewards and penalties (people), then the term's month scores (record).
Each part is idempotent, so seed_demo can run again."""

from __future__ import annotations

from datetime import datetime
from importlib import import_module

from staff.demo import demo_now

PARTS = ("assessment.demo.inspect", "assessment.demo.people", "assessment.demo.record")


def seed(school, *, now: datetime | None = None) -> list[str]:
    """``now``: the demo's instant (seed_demo's ``--now``; default the real now)."""
    now = demo_now(now)
    made: list[str] = []
    for name in PARTS:
        try:
            part = import_module(name)
        except ModuleNotFoundError as exc:  # the parts land one by one
            if exc.name != name:
                raise
            continue
        made.extend(part.seed(school, now=now) or [])
    return made
