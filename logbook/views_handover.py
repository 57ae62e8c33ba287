"""Views for the logbook's handover pages."""
