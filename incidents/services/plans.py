"""Writes for incidents: plans."""
