"""Reads and permission choke-points for logbook pages, one module per sub-domain."""
