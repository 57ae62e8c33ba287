"""Every write to incident records, one module per sub-domain."""
