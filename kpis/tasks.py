"""Celery tasks of the kpis app (beat runs the catch-up; see config/celery.py)."""

from celery import shared_task

from . import reports, services


@shared_task(name="kpis.rollups_catch_up")
def rollups_catch_up() -> dict:
    """Every 30 s: the rollups, and on the 1st of a month the providers' reports (one beat
    entry for both; a month already reported costs one query)."""
    result = services.rollups_catch_up()
    result["reports"] = reports.provider_reports_due()
    return result
