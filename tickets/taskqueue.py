"""Enqueue Celery work from a business operation, durably.

`enqueue_task` writes a row in the task outbox inside the caller's transaction. After
commit a fast path publishes it at once; the relay (a beat task) publishes whatever is
left: rows whose fast path failed (Redis down) or never ran (a crash between commit and
publish). A row is claimed before publishing, so the fast path and any number of relays
publish it once; tasks are idempotent anyway, for the rare crash after publish.
"""

import datetime as dt
import logging
import time

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

CLAIM_SECONDS = 30
RELAY_BATCH = 500
# After a failed publish the fast path stands aside for a while: a connection attempt to a
# dead broker costs seconds, and the relay delivers the rows when the broker is back.
BROKER_BACKOFF_SECONDS = 15
_broker_down_until = 0.0


def enqueue_task(name: str, **kwargs) -> None:
    from .sla.models import TaskOutbox

    row = TaskOutbox.objects.create(name=name, kwargs=kwargs)
    transaction.on_commit(lambda: _publish_one(row.pk))


def _publish(name: str, kwargs: dict) -> None:
    from config.celery import app

    # retry=False: with Redis down fail at once; the row waits for the relay.
    app.send_task(name, kwargs=kwargs, retry=False)


def _publish_one(pk: int) -> bool:
    """The after-commit fast path: claim the row, publish, mark it sent."""
    global _broker_down_until
    from .sla.models import TaskOutbox

    if time.monotonic() < _broker_down_until:
        return False
    now = timezone.now()
    claimed = (
        TaskOutbox.objects.filter(pk=pk, sent_at__isnull=True)
        .exclude(claimed_until__gt=now)
        .update(claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS))
    )
    if not claimed:
        return False
    row = TaskOutbox.objects.get(pk=pk)
    try:
        _publish(row.name, row.kwargs)
    except Exception as exc:  # Redis down: the relay retries
        log.warning("could not publish %s: %s", row.name, exc)
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        TaskOutbox.objects.filter(pk=pk).update(
            claimed_until=None, attempts=row.attempts + 1, last_error=str(exc)[:255]
        )
        return False
    TaskOutbox.objects.filter(pk=pk).update(sent_at=timezone.now())
    return True


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
                return sent
        _broker_down_until = 0.0  # the broker works: let the fast path publish again
        if len(rows) < batch:
            return sent
