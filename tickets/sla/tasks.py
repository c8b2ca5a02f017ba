"""Celery tasks of the SLA clocks. Each takes ids, calls one service and is safe to run twice."""

from celery import shared_task

from .. import taskqueue
from . import services


@shared_task(name="tickets.sla_sweep", ignore_result=True, expires=30)
def sla_sweep() -> dict:
    return services.sla_sweep()


@shared_task(name="tickets.relay_task_outbox", ignore_result=True, expires=30)
def relay_task_outbox() -> int:
    return taskqueue.relay_outbox()


@shared_task(name="tickets.sla_redispatch", ignore_result=True)
def sla_redispatch(*, clock_id: int) -> bool:
    return services.sla_redispatch_breached(clock_id=clock_id)


@shared_task(name="tickets.sla_recompute_calendar", ignore_result=True)
def sla_recompute_calendar(*, calendar_id: int) -> int:
    return services.calendar_recompute_clocks(calendar_id=calendar_id)
