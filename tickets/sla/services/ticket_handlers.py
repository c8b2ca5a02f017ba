"""Clocks follow the ticket: the handlers registered with tickets.hooks for its status
moves and its other events (see tickets/sla/__init__.py for which event does what)."""

import datetime as dt

from ...choices import Priority
from ...lifecycle import Status
from ...models import Ticket
from ..models import (
    SlaClock,
)
from .clocks import (
    EV_CALL,
    EV_CHECK_BACK,
    EV_COMPLAINT_OPENED,
    EV_COMPLAINT_RESOLVED,
    EV_COMPLAINT_RESPONDED,
    EV_POSTPONED,
    EV_RESCHEDULED,
    PAUSABLE,
    TICKET_BOUND,
    K,
    _assignment_cycle,
    _lock_open,
    _parse_when,
    _record_late_arrival,
    clock_cancel,
    clock_meet,
    clock_move_deadline,
    clock_pause,
    clock_resume,
    clock_start,
    clocks_start_new,
    ticket_policy,
)


def _start_service_clocks(ticket: Ticket, now: dt.datetime) -> None:
    """Arrival and completion, from the moment the ticket can be dispatched. An appointment
    must be kept by the end of the customer's preferred window."""
    fixed = (
        ticket.preferred_end
        if ticket.priority == Priority.APPOINTMENT and ticket.preferred_end
        else None
    )
    clocks_start_new(
        ticket=ticket,
        now=now,
        starts=[{"kind": K.ARRIVAL, "fixed_due": fixed}, {"kind": K.COMPLETION}],
    )


def on_ticket_transition(*, ticket, from_status, to_status, event, actor) -> None:
    """Registered with tickets.hooks; runs inside ticket_transition with the ticket locked."""
    now = event.created_at
    data = event.data or {}
    if from_status == Status.WAITING_FOR_PARTS:
        for clock in _lock_open(ticket, PAUSABLE):
            clock_resume(clock=clock, now=now)

    if to_status == Status.AWAITING_DISPATCH and from_status == Status.NEW:
        _start_service_clocks(ticket, now)  # just opened: no clocks to cancel or look for
    elif to_status == Status.AWAITING_DISPATCH:
        for clock in _lock_open(ticket, (K.ACCEPT, K.CONTACT)):
            clock_cancel(clock=clock, now=now)  # the next assignment starts new ones
        if from_status == Status.RESOLVED_REMOTELY:
            for clock in _lock_open(ticket, (K.CHECK_BACK,)):
                clock_meet(clock=clock, now=now, ticket=ticket)  # the check-back found it not fixed
        started = SlaClock.objects.filter(ticket=ticket, kind=K.ARRIVAL).exclude(
            state=SlaClock.State.CANCELLED
        )
        if not started.exists():
            # A phone fix that did not hold: the customer has waited since the first report.
            since = (
                _parse_when(data.get("sla_from"))
                if from_status == Status.RESOLVED_REMOTELY
                else None
            )
            _start_service_clocks(ticket, min(since, now) if since else now)
    elif to_status == Status.ASSIGNED:
        # Each assignment is a new cycle: its accept and contact clocks cannot exist yet.
        cycle = _assignment_cycle(ticket)
        clocks_start_new(
            ticket=ticket,
            now=now,
            starts=[{"kind": K.ACCEPT, "cycle": cycle}, {"kind": K.CONTACT, "cycle": cycle}],
        )
    elif to_status == Status.ACCEPTED and from_status == Status.ASSIGNED:
        for clock in _lock_open(ticket, (K.ACCEPT,)):
            clock_meet(clock=clock, now=now, ticket=ticket)
    elif to_status == Status.SCHEDULED:
        window_end = _parse_when(data.get("window_end"))
        consented = ticket.priority == Priority.APPOINTMENT or data.get("customer_consent")
        for clock in _lock_open(ticket, PAUSABLE):
            if clock.kind == K.ARRIVAL and window_end and consented:
                clock_move_deadline(clock=clock, due_at=window_end, now=now)
            elif clock.state == SlaClock.State.PAUSED:
                clock_resume(clock=clock, now=now)
    elif to_status in (Status.EN_ROUTE, Status.ON_SITE):
        for clock in _lock_open(ticket, PAUSABLE, state=SlaClock.State.PAUSED):
            clock_resume(clock=clock, now=now)
        if to_status == Status.ON_SITE:
            for clock in _lock_open(ticket, (K.ARRIVAL,)):
                clock_meet(clock=clock, now=now, ticket=ticket)
            # Checked in after a breach: the lateness is still recorded for compensation.
            for clock in SlaClock.objects.select_for_update().filter(
                ticket=ticket, kind=K.ARRIVAL, state=SlaClock.State.BREACHED, late_seconds=None
            ):
                late = int((now - clock.due_at).total_seconds())
                clock.late_seconds = late
                clock.save(update_fields=["late_seconds"])
                _record_late_arrival(clock=clock, ticket=ticket, now=now, late=late)
    elif to_status == Status.WAITING_FOR_PARTS:
        reason = event.reason or "waiting_for_parts"
        for clock in _lock_open(ticket, PAUSABLE):
            clock_pause(clock=clock, now=now, reason=reason)
    elif to_status == Status.COMPLETED:
        for clock in _lock_open(ticket, (K.COMPLETION, K.ARRIVAL)):
            clock_meet(clock=clock, now=now, ticket=ticket)
        clock_start(ticket=ticket, kind=K.CALLBACK, now=now)
    elif to_status == Status.RESOLVED_REMOTELY:
        for clock in _lock_open(ticket, (K.ACCEPT, K.CONTACT, K.ARRIVAL, K.COMPLETION)):
            clock_cancel(clock=clock, now=now)
        clock_start(ticket=ticket, kind=K.CHECK_BACK, now=now)
    elif to_status == Status.CALLBACK_DONE:
        for clock in _lock_open(ticket, (K.CALLBACK,)):
            clock_meet(clock=clock, now=now, ticket=ticket)

    if to_status in Status.terminal():
        for clock in _lock_open(ticket, TICKET_BOUND):
            clock_cancel(clock=clock, now=now)


def on_ticket_event(*, ticket, event, actor) -> None:
    """Registered with tickets.hooks: non-status facts that meet, pause or move clocks."""
    now = event.created_at
    data = event.data or {}
    kind = event.kind
    if kind == EV_CALL:
        if data.get("outcome") != "reached":
            return  # no answer, wrong number: the promise still stands
        for clock in _lock_open(ticket, (K.CONTACT, K.CHECK_BACK)):
            clock_meet(clock=clock, now=now, ticket=ticket)
    elif kind == EV_CHECK_BACK:
        for clock in _lock_open(ticket, (K.CHECK_BACK,)):
            clock_meet(clock=clock, now=now, ticket=ticket)
    elif kind == EV_POSTPONED:
        reason = (data.get("reason") or event.reason or "customer_postponed")[:255]
        until = _parse_when(data.get("until"))
        for clock in _lock_open(ticket, PAUSABLE):
            clock_pause(clock=clock, now=now, reason=reason, resume_at=until)
    elif kind == EV_RESCHEDULED:
        window_end = _parse_when(data.get("window_end"))
        if window_end is None or data.get("customer_consent") is False:
            return  # without the customer's consent the promise does not move
        for clock in _lock_open(ticket, (K.ARRIVAL,)):
            clock_move_deadline(clock=clock, due_at=window_end, now=now)
    elif kind == EV_COMPLAINT_OPENED:
        ref = str(data.get("complaint_id") or data.get("ref") or event.pk)
        policy = ticket_policy(ticket)
        for clock_kind in (K.COMPLAINT_RESPONSE, K.COMPLAINT_RESOLUTION):
            clock_start(ticket=ticket, kind=clock_kind, now=now, ref=ref, policy=policy)
    elif kind in (EV_COMPLAINT_RESPONDED, EV_COMPLAINT_RESOLVED):
        ref = str(data.get("complaint_id") or data.get("ref") or "")
        kinds = (
            (K.COMPLAINT_RESPONSE,)
            if kind == EV_COMPLAINT_RESPONDED
            else (K.COMPLAINT_RESPONSE, K.COMPLAINT_RESOLUTION)
        )
        filters = {"ref": ref} if ref else {}
        for clock in _lock_open(ticket, kinds, **filters):
            clock_meet(clock=clock, now=now, ticket=ticket)
