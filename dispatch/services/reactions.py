"""Dispatch's reactions to the ticket's life (registered in DispatchConfig.ready)."""

from tickets.lifecycle import Status

from ..models import Appointment, Assignment, EndCode, QueueEntry
from .assignments import _end

ENDING = {
    Status.COMPLETED,
    Status.RESOLVED_REMOTELY,
    Status.CANCELLED,
    Status.CLOSED,
}


def on_ticket_transition(*, ticket, from_status, to_status, event, actor) -> None:
    """A ticket entering "awaiting dispatch" is dispatched automatically (after commit, by
    Celery) unless the service that moved it chooses the next engineer itself (data
    `dispatched_inline`); a visit starts when the engineer checks in; a ticket that is done
    frees its engineer."""
    from tickets.taskqueue import enqueue_task

    now = event.created_at
    if to_status == Status.AWAITING_DISPATCH:
        if from_status not in (Status.NEW, Status.AWAITING_FEE_ACCEPTANCE):
            # A live assignment our own services did not end (e.g. "needs a senior").
            for a in Assignment.objects.filter(ticket=ticket).live():
                _end(a, Assignment.State.REASSIGNED, event.reason, now, code=EndCode.HANDED_BACK)
            QueueEntry.objects.update_or_create(
                ticket=ticket,
                defaults={
                    "reason": QueueEntry.Reason.RETURNED,
                    # what the engineer typed, else the reason's code (words when shown)
                    "returned_reason": event.reason or (event.data or {}).get("reason_code", ""),
                    "next_attempt_at": now,
                },
            )
        if not (event.data or {}).get("dispatched_inline"):
            enqueue_task("dispatch.tasks.auto_dispatch", ticket_id=ticket.pk)
    elif to_status == Status.ON_SITE:
        # The booked visit took place: a second visit can be booked on the same assignment.
        Appointment.objects.filter(ticket=ticket, state=Appointment.State.BOOKED).update(
            state=Appointment.State.VISITED
        )
    elif to_status in ENDING:
        for a in Assignment.objects.filter(ticket=ticket).live():
            _end(a, Assignment.State.ENDED, event.reason or str(Status(to_status).label), now)
        QueueEntry.objects.filter(ticket=ticket).delete()
