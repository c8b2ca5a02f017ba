"""Celery tasks of the proactive side (listed in config/celery.py's one beat schedule)."""

from celery import shared_task


@shared_task(name="proactive.plans_generate", ignore_result=True, expires=3600)
def plans_generate() -> dict:
    from .services.plans import plans_generate_due

    return plans_generate_due()
