"""Reads for the logbook's hazard sub-domain."""


def now_panel(*, actor, shift) -> dict | None:
    """Context for this sub-domain's panel on the "on duty now" page (template
    logbook/hazard/_now_panel.html), or None to show no panel. shift may be None."""
    return None


def open_hazards_for_handover(school) -> list:
    """Hazards not yet closed out in ``school``, for the handover's carried items (newest first)."""
    return []
