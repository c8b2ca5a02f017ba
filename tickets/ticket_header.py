"""The top of the desk's ticket page: "where is my engineer?" in one look. Who holds the
job (from dispatch, through `hooks.engineer_summary`), the booked window and the ETA, and
every running service clock with its time left."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from . import hooks
from .lifecycle import Status
from .models import Ticket
from .sla.models import ClockKind, SlaClock
from .sla.selectors import duration_label


def _iso(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _from_events(ticket: Ticket, events) -> dict:
    """What the timeline already says: the window last agreed, the engineer's ETA (given
    with "on my way", held while on the way) and when they checked in."""
    window = eta = on_site_since = None
    for event in events:
        data = event.data or {}
        if event.kind == "rescheduled" or (
            event.kind == "status" and event.to_status == Status.SCHEDULED
        ):
            start, end = _iso(data.get("window_start")), _iso(data.get("window_end"))
            if start and end:
                window = (start, end)
        if event.kind == "status" and event.to_status == Status.EN_ROUTE:
            eta = _iso(data.get("eta"))
        if event.kind == "status" and event.to_status == Status.ON_SITE:
            on_site_since = event.created_at
    return {
        "window": window,
        "eta": eta if ticket.status == Status.EN_ROUTE else None,
        "on_site_since": on_site_since if ticket.status == Status.ON_SITE else None,
    }


def clock_rows(*, ticket: Ticket, now: dt.datetime) -> list[dict]:
    """The running and paused clocks, soonest due first, each with its colour: `ok` until
    the warning point, then `warn` (amber), then `bad` (red) once due."""
    clocks = SlaClock.objects.filter(
        ticket=ticket, state__in=(SlaClock.State.RUNNING, SlaClock.State.PAUSED)
    ).only("kind", "state", "due_at", "warn_at", "pause_reason", "ticket_id")
    kinds = {k: str(v) for k, v in ClockKind.choices}
    rows = []
    for clock in clocks:
        paused = clock.state == SlaClock.State.PAUSED
        left = clock.seconds_left(now)
        if paused or left is None:
            tone = "paused"
        elif left <= 0:
            tone = "bad"
        elif clock.warn_at is not None and clock.warn_at <= now:
            tone = "warn"
        else:
            tone = "ok"
        rows.append(
            {
                "kind": clock.kind,
                "label": kinds.get(clock.kind, clock.kind),
                "due_at": clock.due_at,
                "warn_at": clock.warn_at,
                "paused": paused,
                "pause_reason": clock.pause_reason,
                "tone": tone,
                "left_label": "" if paused or left is None else duration_label(left),
            }
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda r: (r["paused"], r["due_at"] or far))
    return rows


def clock_formats() -> dict[str, str]:
    """The words the page's script uses to count the time left down (the same ones
    `duration_label` prints)."""
    return {
        "d": _("%(d)d d %(h)d h"),
        "h": _("%(h)d h %(m)02d min"),
        "m": _("%(m)d min"),
        "left": _("%(t)s left"),
        "overdue": _("%(t)s overdue"),
    }


def header_context(*, ticket: Ticket, events) -> dict:
    now = timezone.now()
    engineer = hooks.engineer_summary(ticket=ticket)
    seen = _from_events(ticket, events)
    if engineer and engineer.get("window_start"):  # the booked visit, as dispatch holds it
        window = (engineer["window_start"], engineer["window_end"])
    elif ticket.status in (Status.SCHEDULED, Status.EN_ROUTE):
        window = seen["window"]  # no dispatch app: the window the timeline last recorded
    else:
        window = None
    return {
        "engineer": engineer,
        "window": window,
        "eta": seen["eta"],
        "on_site_since": seen["on_site_since"],
        "clocks": clock_rows(ticket=ticket, now=now),
        "clock_formats": clock_formats(),
        "can_reschedule": hooks.visit_rescheduler_installed()
        and ticket.status in (Status.SCHEDULED, Status.EN_ROUTE),
    }
