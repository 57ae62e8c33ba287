"""Writes for the logbook's visit sub-domain."""
