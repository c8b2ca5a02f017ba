import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("service_dispatch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one beat schedule of the project: every periodic task is listed here.
# Deadlines live in Postgres; beat only wakes the sweeps. Several beats or workers are
# harmless: the sweep claims rows with SKIP LOCKED. Nothing here uses a countdown or ETA.
SLA_SWEEP_SECONDS = float(os.environ.get("SLA_SWEEP_SECONDS", "2"))
TASK_RELAY_SECONDS = float(os.environ.get("TASK_RELAY_SECONDS", "5"))
app.conf.beat_schedule = {
    "sla-sweep": {
        "task": "tickets.sla_sweep",
        "schedule": SLA_SWEEP_SECONDS,
        "options": {"expires": max(SLA_SWEEP_SECONDS * 3, 5)},
    },
    "task-outbox-relay": {
        "task": "tickets.relay_task_outbox",
        "schedule": TASK_RELAY_SECONDS,
        "options": {"expires": max(TASK_RELAY_SECONDS * 3, 10)},
    },
    # Tickets still waiting for an engineer, "no answer" call retries.
    "dispatch-sweep": {"task": "dispatch.tasks.sweep", "schedule": 60.0},
    # Complaint breaches handed to their owner; last month's quality sample (once a month).
    "complaints-sweep": {
        "task": "callbacks.complaints_sweep",
        "schedule": float(os.environ.get("COMPLAINTS_SWEEP_SECONDS", "60")),
        "options": {"expires": 120},
    },
    # KPI figures are at most a minute behind the events they count.
    "kpis-rollups": {"task": "kpis.rollups_catch_up", "schedule": 30.0, "options": {"expires": 60}},
    # Follow-up and check-back retries due, deep callbacks, tickets ready to close.
    "callbacks-sweep": {"task": "callbacks.sweep", "schedule": 5.0, "options": {"expires": 60}},
    # Old parts not returned by their deadline, flagged per engineer and service point.
    "parts-overdue-returns": {
        "task": "spareparts.flag_overdue_returns",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
    # Maintenance and inspection plans: each due period's ticket, once (a constraint).
    "proactive-plans": {
        "task": "proactive.plans_generate",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
}
