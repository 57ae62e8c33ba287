"""Writes for incidents: reporting."""
