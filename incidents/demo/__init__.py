"""Demo data for incidents: plans first (an incident opens its plan's checklist), then
incidents in every status and severity, then reports up and reviews."""

from __future__ import annotations

from incidents.demo import incident, plans, review


def seed(school) -> list[str]:
    made: list[str] = []
    for part in (plans, incident, review):
        made.extend(part.seed(school))
    return made
