"""Writes for the logbook's hazard sub-domain."""
