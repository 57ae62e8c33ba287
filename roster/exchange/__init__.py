"""Swaps (换班) and leave (请假) for single duties: every write, and the choke-points that fetch
requests for a user.

A duty changes hands by updating its Assignment in place (the open request points at it), with
an UNASSIGNED + ASSIGNED pair of RosterChange rows, reminders moved to the new person, and both
people told. Every move is re-checked with the one rules engine first and refused if it creates
a hard error for someone involved. State transitions are conditional UPDATEs: a second click
(or a second tab) finds the row already moved on and changes nothing.
"""

from roster.exchange.common import LEAVE_OPEN, OFFICE_ROLES, ON_BEHALF_ROLES, SWAP_OPEN
from roster.exchange.leave import cancel_leave, decide_leave, request_leave, respond_leave
from roster.exchange.reads import (
    duties_in_return,
    get_duty_for_user,
    get_leave_for_user,
    get_swap_for_user,
    my_requests,
    pending_approvals,
    swap_colleagues,
)
from roster.exchange.swaps import cancel_swap, decide_swap, request_swap, respond_swap

__all__ = [
    "LEAVE_OPEN",
    "OFFICE_ROLES",
    "ON_BEHALF_ROLES",
    "SWAP_OPEN",
    "cancel_leave",
    "cancel_swap",
    "decide_leave",
    "decide_swap",
    "duties_in_return",
    "get_duty_for_user",
    "get_leave_for_user",
    "get_swap_for_user",
    "my_requests",
    "pending_approvals",
    "request_leave",
    "request_swap",
    "respond_leave",
    "respond_swap",
    "swap_colleagues",
]
