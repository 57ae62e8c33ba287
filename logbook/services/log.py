"""Writes for the logbook's log sub-domain."""
