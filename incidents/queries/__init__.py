"""Reads for incident pages, one module per sub-domain."""
