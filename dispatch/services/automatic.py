"""Automatic dispatch: choose the best engineer and commit the assignment, or keep the
ticket in the dispatcher's queue with the reason; the sweep over waiting tickets."""

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engineers.models import Engineer
from tickets import masterdata
from tickets.errors import Conflict, NotFound
from tickets.event_kinds import EventKind
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.services import ticket_event_record

from .. import matching
from ..models import Assignment, QueueEntry
from .assignments import _counts, _create_assignment, already_assigned

QUEUE_RETRY_AFTER = dt.timedelta(minutes=5)


class _Full(Exception):
    pass


def ticket_dispatch_auto(*, ticket_id: int, actor=None) -> Assignment | None:
    """Choose the best engineer and commit the assignment; None when nobody can take it
    (the ticket stays in the dispatcher's queue with the reason, recorded as an event).
    Raises Conflict("already assigned") when the ticket is no longer waiting."""
    now = timezone.now()
    try:
        ticket = Ticket.objects.select_related("address", "appliance", "dispatch_queue").get(
            pk=ticket_id
        )
    except Ticket.DoesNotExist:
        raise NotFound(_("Ticket not found.")) from None
    if ticket.status != Status.AWAITING_DISPATCH:
        raise already_assigned()
    # The area (its centroid and type) from the per-process master data: one join fewer to
    # plan on every decision, and the SLA clocks started on assignment read the same entry.
    Ticket.area.field.set_cached_value(ticket, masterdata.area_by_id(ticket.area_id))
    had_entry = getattr(ticket, "dispatch_queue", None) is not None
    result = matching.find_candidates(ticket, now=now)
    if not result.ranked:
        _queue_record(ticket_id=ticket_id, result=result, now=now, actor=actor)
        return None
    _prefer_another_engineer_for_a_revisit(ticket, result)
    try:
        return _commit_best(ticket, result, actor, now, had_entry)
    except IntegrityError:
        raise already_assigned() from None


def _prefer_another_engineer_for_a_revisit(ticket, result) -> None:
    """A free revisit of a repeat fault goes preferably to someone other than the engineer
    of the first job (the callbacks app names them in its `revisit_opened` event); that
    engineer stays eligible when nobody else is."""
    if not ticket.related_ticket_id or len(result.ranked) < 2:
        return
    avoid = (
        ticket.events.filter(kind=EventKind.REVISIT_OPENED)
        .order_by("-id")
        .values_list("data__avoid_engineer_user_id", flat=True)
        .first()
    )
    if avoid:
        result.ranked.sort(key=lambda c: c.engineer.user_id == avoid)  # stable: others first


def _lock_row(model, pk: int, columns: str) -> tuple | None:
    """SELECT columns ... FOR UPDATE of one row: on the hot path of every dispatch, where the
    ORM's query building cost more than the statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {columns} FROM "{model._meta.db_table}" WHERE id = %s FOR UPDATE', [pk]
        )
        return cursor.fetchone()


def _lock_waiting(ticket_id: int) -> None:
    """Lock the ticket row (always the first lock taken) and check it is still waiting."""
    row = _lock_row(Ticket, ticket_id, "status")
    if row is None or row[0] != Status.AWAITING_DISPATCH:
        raise already_assigned()


def _commit_best(ticket, result, actor, now, had_entry) -> Assignment | None:
    """Commit the assignment to the best-ranked candidate who still has room.

    The first choice almost always still has room, so it is tried without a savepoint: if
    they filled up meanwhile the transaction rolls back, their row lock with it, and the
    others are tried in a second transaction, each in a savepoint that releases the lock
    of one who is full. Either way this never waits for an engineer while holding another's
    lock, so concurrent dispatches cannot deadlock on engineers."""
    snapshot = result.snapshot()
    first, *others = result.ranked
    try:
        with transaction.atomic():
            _lock_waiting(ticket.pk)
            return _assign_if_room(ticket, first, result, snapshot, actor, now, had_entry)
    except _Full:
        _mark_taken(snapshot, first)
    if others:
        with transaction.atomic():
            _lock_waiting(ticket.pk)
            for cand in others:
                try:
                    with transaction.atomic():
                        return _assign_if_room(
                            ticket, cand, result, snapshot, actor, now, had_entry
                        )
                except _Full:
                    _mark_taken(snapshot, cand)
    result.reason = QueueEntry.Reason.ALL_AT_CAPACITY
    _queue_record(ticket_id=ticket.pk, result=result, now=now, actor=actor, snapshot=snapshot)
    return None


def _mark_taken(snapshot: list[dict], cand: matching.Candidate) -> None:
    for entry in snapshot:
        if entry["engineer_id"] == cand.engineer.pk:
            entry["reasons"] = ["taken_meanwhile"]
            entry["eligible"] = False


def _assign_if_room(ticket, cand, result, snapshot, actor, now, had_entry) -> Assignment:
    """Call holding the ticket's row lock. Locks the engineer's row, counts their jobs
    under that lock (so two dispatches cannot both take the last slot) and assigns, or
    raises _Full. The matching already loaded the engineer and their user; only what a
    dispatcher may have changed since (capacity, phone) is read again."""
    engineer = cand.engineer
    fresh = _lock_row(Engineer, engineer.pk, "max_concurrent, max_per_day, phone")
    if fresh is None:
        raise _Full
    engineer.max_concurrent, engineer.max_per_day, engineer.phone = fresh
    live, today = _counts(engineer, now)
    if live >= engineer.max_concurrent or today >= engineer.max_per_day:
        raise _Full
    if result.need.customer_window:
        appt, _travel = matching.clash_for(
            engineer.pk,
            start=result.need.start,
            end=result.need.end,
            lat=result.need.lat,
            lng=result.need.lng,
            exclude_ticket_id=ticket.pk,
        )
        if appt is not None:
            raise _Full
    for entry in snapshot:
        if entry["engineer_id"] == engineer.pk:
            entry["chosen"] = True
    return _create_assignment(
        ticket=ticket,
        engineer=engineer,
        actor=actor,
        candidates=snapshot,
        stage=result.stage,
        score=cand.score,
        now=now,
        had_queue_entry=had_entry,
    )


def _queue_record(
    *, ticket_id: int, result: matching.Result, now, actor, snapshot: list[dict] | None = None
) -> None:
    """Nobody can take the ticket: keep it in the dispatcher's queue with the reason. The
    event is written when the reason changes, not on every sweep."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        if ticket.status != Status.AWAITING_DISPATCH:
            return
        entry, _created = QueueEntry.objects.get_or_create(ticket=ticket)
        changed = entry.reason != result.reason
        entry.reason = result.reason
        entry.detail = _("%(n)s engineers considered") % {"n": len(result.considered)}
        entry.attempts += 1
        entry.last_attempt_at = now
        entry.next_attempt_at = now + QUEUE_RETRY_AFTER
        entry.save()
        if changed:
            ticket_event_record(
                ticket=ticket,
                kind="dispatch_failed",
                actor=actor,
                data={
                    "reason_code": result.reason,
                    "considered": len(result.considered),
                    "candidates": (snapshot or result.snapshot())[:50],
                },
            )


def tickets_dispatch_waiting(*, now: dt.datetime | None = None, batch: int = 50) -> int:
    """The sweep: tickets still waiting whose next attempt is due (or never tried)."""
    from django.db.models import Q

    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(status=Status.AWAITING_DISPATCH)
        .filter(
            Q(dispatch_queue__isnull=True, updated_at__lte=now - dt.timedelta(minutes=1))
            | Q(dispatch_queue__next_attempt_at__lte=now)
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:batch]
    )
    assigned = 0
    for ticket_id in ids:
        try:
            if ticket_dispatch_auto(ticket_id=ticket_id) is not None:
                assigned += 1
        except Conflict:
            continue
    return assigned


def _try_next(ticket_id: int) -> Assignment | None:
    """After a job came back: offer it to the next candidate right away."""
    try:
        return ticket_dispatch_auto(ticket_id=ticket_id)
    except Conflict:
        return None
