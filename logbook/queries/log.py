"""Reads for the logbook's log sub-domain."""
