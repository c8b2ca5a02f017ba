"""Celery task of complaints and quality sampling: one beat entry wakes both steps; each is
safe to run any number of times (a conditional claim per breach, a unique row per month)."""

from celery import shared_task

from .services.complaints import complaint_escalations_sweep
from .services.quality_reviews import quality_sample_due


@shared_task(name="callbacks.complaints_sweep", ignore_result=True, expires=120)
def complaints_sweep() -> dict:
    escalated = complaint_escalations_sweep()
    run = quality_sample_due()
    return {"escalated": escalated, "sampled": run.sampled if run else 0}
