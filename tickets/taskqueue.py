"""Enqueue Celery work from a business operation, durably.

`enqueue_task` writes a row in the task outbox inside the caller's transaction, and
nothing else: the request that queued the work does not talk to the broker. A trigger
on the outbox table NOTIFYs when such a transaction commits; the relay process
(`manage.py relay_tasks`, a LISTEN loop) publishes the waiting rows at once, in batches.
The beat task `tickets.relay_task_outbox` publishes whatever is left as well (a relay
that was down, Redis that was down). Rows are claimed with SKIP LOCKED, so any number of
relays publish a row once; tasks are idempotent anyway, for the rare crash after publish.
"""

import logging
import time

from django.db import transaction
from django.utils import timezone

from .inserts import insert_later

log = logging.getLogger(__name__)

RELAY_BATCH = 500
NOTIFY_CHANNEL = "task_outbox"  # the trigger in migration 0103 notifies it
# After a failed publish the relay waits this long before trying the broker again.
BROKER_RETRY_SECONDS = 1.0
_broker_down_until = 0.0


def enqueue_task(name: str, **kwargs) -> None:
    from .sla.models import TaskOutbox

    insert_later([TaskOutbox(name=name, kwargs=kwargs)])


def _publish(name: str, kwargs: dict) -> None:
    from config.celery import app

    # retry=False: with Redis down fail at once; the row waits for the next relay.
    app.send_task(name, kwargs=kwargs, retry=False)


def relay_outbox(*, batch: int = RELAY_BATCH) -> int:
    """Publish unsent rows, oldest first; safe with any number of relays at once.
    Stops at the first publish failure (Redis is down: try again next beat)."""
    global _broker_down_until
    from .sla.models import TaskOutbox

    sent = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            rows = list(
                TaskOutbox.objects.filter(sent_at__isnull=True)
                .exclude(claimed_until__gt=now)
                .order_by("id")
                .select_for_update(skip_locked=True)[:batch]
            )
            if not rows:
                return sent
            done = []
            failed = None
            for row in rows:
                try:
                    _publish(row.name, row.kwargs)
                except Exception as exc:
                    failed = (row, exc)
                    break
                done.append(row.pk)
            if done:
                TaskOutbox.objects.filter(pk__in=done).update(sent_at=timezone.now())
                sent += len(done)
            if failed:
                row, exc = failed
                TaskOutbox.objects.filter(pk=row.pk).update(
                    attempts=row.attempts + 1, last_error=str(exc)[:255]
                )
                log.warning("task relay paused, broker unavailable: %s", exc)
                _broker_down_until = time.monotonic() + BROKER_RETRY_SECONDS
                return sent
        _broker_down_until = 0.0
        if len(rows) < batch:
            return sent


def relay_listen(*, idle_seconds: float = 5.0, should_stop=lambda: False) -> None:
    """The relay process: publish what waits, then again whenever a transaction that queued
    tasks commits (LISTEN), and every `idle_seconds` anyway. Survives Redis and Postgres
    restarts: it retries and reconnects."""
    import select

    import psycopg2
    from django.db import DatabaseError, close_old_connections, connection

    listener = None
    while not should_stop():
        try:
            if listener is None:
                listener = psycopg2.connect(**connection.get_connection_params())
                listener.autocommit = True
                with listener.cursor() as cursor:
                    cursor.execute(f"LISTEN {NOTIFY_CHANNEL}")
            if time.monotonic() >= _broker_down_until:
                close_old_connections()
                relay_outbox()
            backoff = _broker_down_until - time.monotonic()
            timeout = min(idle_seconds, backoff) if backoff > 0 else idle_seconds
            if select.select([listener], [], [], timeout)[0]:
                listener.poll()
                listener.notifies.clear()
        except (psycopg2.Error, DatabaseError, OSError) as exc:
            log.warning("task relay lost the database, reconnecting: %s", exc)
            if listener is not None:
                listener.close()
            listener = None
            connection.close()
            time.sleep(BROKER_RETRY_SECONDS)  # a pause before reconnecting, not a clock
    if listener is not None:
        listener.close()
