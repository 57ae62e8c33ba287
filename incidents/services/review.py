"""Writes for incidents: review."""
