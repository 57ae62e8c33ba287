"""Assessment reads, scoped by actor. One module per sub-domain, as services/."""
