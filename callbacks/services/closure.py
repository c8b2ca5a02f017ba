"""Every ticket ends closed, with a reason: a completed job when its follow-up is done (or
unreachable, or not needed) and nothing in `tickets.hooks.close_blockers` remains; a remote
resolution after its check-back. A daily sweep lists tickets left hanging in one status."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from tickets import hooks
from tickets.lifecycle import CloseReason, Status
from tickets.models import Ticket, TicketEvent
from tickets.roles import STAFF_DESK_ROLES, has_role
from tickets.services import ticket_transition

from ..models import Callback, HangingTicket, SweepRun
from .policy import callback_policy

BLOCKER_OPEN_CALLBACK = "open_callback"
FOLLOW_UP_REASON = {
    Callback.State.DONE: CloseReason.CALLBACK_DONE,
    Callback.State.UNREACHABLE: CloseReason.CALLBACK_UNREACHABLE,
    Callback.State.SKIPPED: CloseReason.CALLBACK_SKIPPED,
    Callback.State.CANCELLED: CloseReason.CALLBACK_SKIPPED,
}


def open_callback_blocker(*, ticket) -> list[str]:
    """Registered in tickets.hooks.close_blockers: an open call keeps the ticket open."""
    return [BLOCKER_OPEN_CALLBACK] if ticket.callbacks.filter(state="open").exists() else []


def _closing_actor(actor):
    return actor if actor is not None and has_role(actor, *STAFF_DESK_ROLES) else None


def _follow_up_reason(ticket: Ticket) -> str:
    state = (
        Callback.objects.filter(ticket=ticket, kind=Callback.Kind.FOLLOW_UP)
        .values_list("state", flat=True)
        .first()
    )
    return FOLLOW_UP_REASON.get(state, CloseReason.CALLBACK_DONE)


def ticket_close_if_done(*, ticket: Ticket, actor=None, reason: str = "") -> str:
    """Move the ticket as far towards closed as what is still open allows; its status after.
    Safe to call any time and twice."""
    actor = _closing_actor(actor)
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status == Status.COMPLETED:
            if Callback.objects.filter(
                ticket=locked, kind=Callback.Kind.FOLLOW_UP, state=Callback.State.OPEN
            ).exists():
                return locked.status
            ticket_transition(
                ticket=locked,
                to=Status.CALLBACK_DONE,
                actor=actor,
                reason=_follow_up_reason(locked),
            )
        if locked.status in (Status.CALLBACK_DONE, Status.RESOLVED_REMOTELY):
            if hooks.close_blockers(ticket=locked):
                return locked.status
            if not reason:
                reason = (
                    _follow_up_reason(locked)
                    if locked.status == Status.CALLBACK_DONE
                    else CloseReason.RESOLVED_REMOTELY
                )
            ticket_transition(ticket=locked, to=Status.CLOSED, actor=actor, reason=reason)
    ticket.refresh_from_db()
    return ticket.status


def closable_sweep(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """Close what became closable without anyone acting (a skipped follow-up; a blocker
    that cleared): tickets whose follow-up finished in the last two days, newest first.
    Whatever clears a blocker should also call ticket_close_if_done itself."""
    now = now or timezone.now()
    candidates = list(
        Callback.objects.filter(
            kind=Callback.Kind.FOLLOW_UP,
            closed_at__gte=now - dt.timedelta(days=2),
            ticket__status__in=(Status.COMPLETED, Status.CALLBACK_DONE),
        )
        .exclude(state=Callback.State.OPEN)
        .order_by("-closed_at")
        .values_list("ticket_id", flat=True)[:batch]
    )
    closed = 0
    for pk in candidates:
        if ticket_close_if_done(ticket=Ticket(pk=pk)) == Status.CLOSED:
            closed += 1
    return closed


def hanging_sweep(*, now: dt.datetime | None = None, force: bool = False) -> int:
    """Once a day: list the open tickets that have been in one status longer than the
    policy allows. The day is claimed by a row (several workers run it once)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        try:
            with transaction.atomic():
                SweepRun.objects.create(name="hanging", day=day)
        except IntegrityError:
            if not force:
                return 0
        limit = now - dt.timedelta(days=callback_policy().stuck_days)
        last_move = (
            TicketEvent.objects.filter(ticket=OuterRef("pk"), kind="status")
            .values("ticket")
            .annotate(at=Max("created_at"))
            .values("at")
        )
        rows = (
            Ticket.objects.open()
            .filter(updated_at__lt=limit)
            .annotate(since=Subquery(last_move))
            .filter(since__lt=limit)
            .values_list("pk", "status", "since", "area_id")
        )
        found = [
            HangingTicket(ticket_id=pk, status=status, since=since, found_on=day, area_id=area)
            for pk, status, since, area in rows.iterator()
        ]
        HangingTicket.objects.bulk_create(found, ignore_conflicts=True, batch_size=1000)
    return len(found)
