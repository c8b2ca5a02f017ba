"""The ticket's calls on the desk's ticket page (tickets.hooks.staff_ticket_sections): each
follow-up, check-back and (for supervisors) deep callback with its state, its result or why
it was skipped, and a link to work it. Without it a skipped follow-up said why nowhere a
person could reach, and a finished call could not be found from its ticket."""

from tickets.lifecycle import Status

from .. import selectors_callbacks as sel

# Callbacks exist once a ticket was completed or resolved by phone: the pages of jobs still
# in the field cost no query (a check-back that sent its ticket back to dispatch shows again
# when that job is completed; the timeline has it meanwhile).
WITH_CALLS = (Status.RESOLVED_REMOTELY, Status.COMPLETED, Status.CALLBACK_DONE, Status.CLOSED)


def ticket_calls_section(*, ticket, user) -> list[dict]:
    if ticket.status not in WITH_CALLS:
        return []
    calls = list(
        sel.callback_queryset_for_user(user)
        .filter(ticket_id=ticket.pk)
        .order_by("created_at", "id")
    )
    if not calls:
        return []
    return [{"template": "callbacks/_ticket_calls.html", "context": {"calls": calls}}]
