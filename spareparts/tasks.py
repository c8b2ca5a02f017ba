"""Celery tasks of the spare-parts app (found by autodiscovery)."""

from celery import shared_task

from .services.returns import returns_flag_overdue


@shared_task(name="spareparts.flag_overdue_returns", ignore_result=True, expires=3600)
def flag_overdue_returns() -> int:
    return returns_flag_overdue()
