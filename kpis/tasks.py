"""Celery tasks of the kpis app (beat runs the catch-up; see config/celery.py)."""

from celery import shared_task

from . import services


@shared_task(name="kpis.rollups_catch_up")
def rollups_catch_up() -> dict:
    return services.rollups_catch_up()
