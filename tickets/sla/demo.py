"""Demo SLA history: a few arrival promises missed while the sweep was down, so the live
board shows breaches recorded at their deadlines (and noticed later), their escalations
and, when loaded outside the staff's hours, the notifications held for the morning."""

import datetime as dt

from django.utils import timezone

from .models import SlaClock
from .services import sla_sweep


def build(stdout):
    if SlaClock.objects.filter(state=SlaClock.State.BREACHED).exists():
        stdout.write("sla demo: already loaded")
        return
    clocks = list(
        SlaClock.objects.filter(
            kind="arrival", state=SlaClock.State.RUNNING, target_seconds__isnull=False
        ).order_by("pk")[:4]
    )
    now = timezone.now()
    for i, clock in enumerate(clocks):
        due = now - dt.timedelta(minutes=15 + 10 * i)
        started = due - dt.timedelta(seconds=clock.target_seconds)
        SlaClock.objects.filter(pk=clock.pk).update(
            started_at=started,
            segment_started_at=started,
            due_at=due,
            warn_at=started + (due - started) * float(clock.warn_ratio),
        )
    counts = sla_sweep(now=now)
    stdout.write(f"sla demo: {counts['breached']} missed arrivals, noticed after an outage")
