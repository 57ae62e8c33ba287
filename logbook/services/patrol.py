"""Writes for the logbook's patrol sub-domain."""
