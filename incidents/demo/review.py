"""Demo data: review (see incidents/demo/__init__.py)."""

from __future__ import annotations


def seed(school) -> list[str]:
    """Create this part's demo records for ``school``; return what was made."""
    return []
