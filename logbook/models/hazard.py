"""Logbook models: hazard."""

from __future__ import annotations

__all__: list[str] = []
