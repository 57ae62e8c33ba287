"""Writes for incidents: incident."""
