"""Celery tasks of the callbacks side (imported by handlers_callbacks, so they register).
Each takes ids, calls one service and is safe to run twice."""

from celery import shared_task


@shared_task(name="callbacks.sweep", ignore_result=True, expires=120)
def callbacks_sweep() -> dict:
    from .services.sweep import callbacks_sweep as sweep

    return sweep()


@shared_task(name="callbacks.ticket_close_if_done", ignore_result=True)
def ticket_close_if_done(*, ticket_id: int) -> str:
    from tickets.models import Ticket

    from .services.closure import ticket_close_if_done as close

    return close(ticket=Ticket(pk=ticket_id))


@shared_task(name="callbacks.repeat_fault_check", ignore_result=True)
def repeat_fault_check(*, ticket_id: int) -> bool:
    from .services.revisits import revisit_check_repeat

    return revisit_check_repeat(ticket_id=ticket_id) is not None
