"""Reads and permission choke-points for incidents: plans."""
