"""Celery tasks of dispatch: each takes ids, calls one service and is safe to run twice."""

from celery import shared_task

from tickets.errors import Conflict, NotFound

from . import services


@shared_task(name="dispatch.tasks.auto_dispatch")
def auto_dispatch(ticket_id: int) -> int | None:
    try:
        assignment = services.ticket_dispatch_auto(ticket_id=ticket_id)
    except (Conflict, NotFound):
        return None  # already assigned (or gone): nothing to do
    return assignment.pk if assignment else None


@shared_task(name="dispatch.tasks.sweep")
def sweep() -> dict:
    """Every minute: tickets still waiting, "no answer" call retries. (An assignment not
    accepted in time is taken back by the SLA sweep when its accept clock breaches.)"""
    return {
        "dispatched": services.tickets_dispatch_waiting(),
        "call_retries": services.call_retries_due(),
    }
