"""Celery tasks of the tickets app (found by autodiscovery)."""

from .sla.tasks import relay_task_outbox, sla_recompute_calendar, sla_redispatch, sla_sweep

__all__ = ["relay_task_outbox", "sla_recompute_calendar", "sla_redispatch", "sla_sweep"]
