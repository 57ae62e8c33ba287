"""Reads for the logbook's report sub-domain."""
