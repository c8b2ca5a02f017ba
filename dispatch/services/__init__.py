"""Writes of dispatch: assigning, accepting, declining, re-dispatching, calls and visits.

Lock order everywhere: the ticket row first, then the engineer row. Capacity is counted
while holding the engineer's row lock, so two dispatches can never both fill the last slot;
the partial unique index `one_live_assignment_per_ticket` makes a second live assignment
of a ticket impossible whatever the code does.

The package's modules say what they hold; every public write is re-exported here."""

from .appointments import (
    VISIT_BOOKABLE,
    appointment_book,
    appointment_reschedule,
    engineer_on_my_way,
    visit_book,
)
from .assignments import already_assigned, assignment_accept, excluded_engineers, new_job_sms_text
from .automatic import QUEUE_RETRY_AFTER, ticket_dispatch_auto, tickets_dispatch_waiting
from .calls import CALL_OUTCOMES, CALL_RETRY_AFTER, call_retries_due, customer_call_log
from .manual import OverrideNeeded, ticket_assign_manual
from .reactions import ENDING, on_ticket_transition
from .redispatch import (
    assignment_decline,
    assignment_take_back,
    ticket_redispatch,
    ticket_redispatch_hook,
)

__all__ = [
    "already_assigned",
    "excluded_engineers",
    "new_job_sms_text",
    "assignment_accept",
    "QUEUE_RETRY_AFTER",
    "ticket_dispatch_auto",
    "tickets_dispatch_waiting",
    "OverrideNeeded",
    "ticket_assign_manual",
    "ticket_redispatch",
    "assignment_take_back",
    "ticket_redispatch_hook",
    "assignment_decline",
    "CALL_RETRY_AFTER",
    "CALL_OUTCOMES",
    "customer_call_log",
    "call_retries_due",
    "appointment_book",
    "VISIT_BOOKABLE",
    "visit_book",
    "appointment_reschedule",
    "engineer_on_my_way",
    "ENDING",
    "on_ticket_transition",
]
