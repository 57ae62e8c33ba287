"""Every write to logbook records, one module per sub-domain (STYLE.md: services)."""
