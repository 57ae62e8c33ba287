"""Writes for the logbook's handover sub-domain."""
