"""Enqueue Celery work from a business operation.

Call inside the operation's transaction; the task is published only after commit.
The SLA work (issue 3) makes this durable: a row in a task outbox written in the
same transaction and relayed to Redis, so a crash between commit and publish or a
Redis outage loses nothing. Callers do not change when it does.
"""

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def enqueue_task(name: str, **kwargs) -> None:
    def publish():
        from config.celery import app

        try:
            app.send_task(name, kwargs=kwargs)
        except Exception:  # Redis down: the periodic sweeps pick the work up again.
            log.warning("could not publish %s %s", name, kwargs, exc_info=True)

    transaction.on_commit(publish)
