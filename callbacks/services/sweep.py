"""The callbacks sweep (Celery beat, `callbacks.sweep`): retries whose time has come go back
on the agents' queue, low scores that have no deep callback get one, tickets that became
closable close, and once a day the tickets left hanging are listed. Bounded batches in due
order; rows are claimed with SKIP LOCKED, so several workers never act twice."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tickets.event_kinds import EventKind
from tickets.services import ticket_event_record

from ..models import Callback, Survey
from .callbacks import deep_callback_open
from .closure import closable_sweep, hanging_sweep
from .policy import callback_policy


def retry_due_sweep(*, now: dt.datetime, batch: int = 500) -> int:
    """A busy or unanswered customer is due to be called again: mark it and tell the ticket."""
    marked = 0
    while True:
        with transaction.atomic():
            due = list(
                Callback.objects.select_for_update(skip_locked=True)
                .filter(
                    state=Callback.State.OPEN,
                    retry_marked_at__isnull=True,
                    next_attempt_at__isnull=False,
                    next_attempt_at__lte=now,
                )
                .order_by("next_attempt_at")[:batch]
            )
            for callback in due:
                callback.retry_marked_at = now
                ticket_event_record(
                    ticket=callback.ticket,
                    kind=EventKind.CALL_RETRY_DUE,
                    data={
                        "callback_id": callback.pk,
                        "purpose": callback.kind,
                        "attempt": callback.attempts + 1,
                    },
                )
            Callback.objects.bulk_update(due, ["retry_marked_at"])
        marked += len(due)
        if len(due) < batch:
            return marked


def deep_missing_sweep(*, now: dt.datetime, batch: int = 500) -> int:
    """A low score with no deep callback yet (e.g. recorded by an import): open it."""
    limit = callback_policy().low_score_below
    low = (
        Survey.objects.filter(Q(speed__lt=limit) | Q(attitude__lt=limit) | Q(quality__lt=limit))
        .filter(created_at__lte=now, created_at__gte=now - dt.timedelta(days=2))
        .exclude(ticket__callbacks__kind=Callback.Kind.DEEP)
        .select_related("ticket")
        .order_by("created_at")[:batch]
    )
    made = 0
    for survey in low:
        with transaction.atomic():
            deep_callback_open(ticket=survey.ticket, source=survey.callback, now=now)
        made += 1
    return made


def callbacks_sweep(*, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "retries": retry_due_sweep(now=now),
        "deep": deep_missing_sweep(now=now),
        "closed": closable_sweep(now=now),
        "hanging": hanging_sweep(now=now),
    }
