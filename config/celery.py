import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("service_dispatch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Deadlines live in Postgres; beat only wakes the sweep. Several beats or workers are
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
    "parts-overdue-returns": {
        "task": "spareparts.flag_overdue_returns",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
}
