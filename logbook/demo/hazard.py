"""Demo data: hazard (see logbook/demo/__init__.py)."""

from __future__ import annotations


def seed(school) -> list[str]:
    """Create this part's demo records for school; return short descriptions of what was made."""
    return []
