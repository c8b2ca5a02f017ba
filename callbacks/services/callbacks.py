"""The calls the desk owes a customer: created when the ticket asks for one (a completed
job, a phone resolution, a low score), worked attempt by attempt, closed with a result.

Lock order: the ticket's row (ticket_transition holds it when the hooks run), then the
callback's row. Every writer here takes the ticket first.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import Conflict, DomainError, PermissionDenied
from tickets.event_kinds import EventKind
from tickets.models import Ticket
from tickets.roles import SUPERVISING_ROLES, Role, has_role
from tickets.services import ticket_event_record
from tickets.sla.models import ClockKind
from tickets.taskqueue import enqueue_task

from ..models import CallAttempt, Callback
from .policy import callback_policy, clock_due, surveyed_customer_ids

DESK_CALLERS = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
Outcome = CallAttempt.Outcome
RETRIED = (Outcome.NO_ANSWER, Outcome.BUSY)


def _insert_once(callback: Callback) -> tuple[Callback, bool]:
    """Insert unless the ticket already has it (the constraints decide, never a look-up):
    the stored row, and whether this call made it."""
    try:
        with transaction.atomic():
            callback.save(force_insert=True)
    except IntegrityError:
        existing = (
            Callback.objects.filter(ticket_id=callback.ticket_id, kind=callback.kind)
            .order_by("-id")
            .first()
        )
        return existing, False
    return callback, True


# --- creating -------------------------------------------------------------------------------


def follow_up_open(*, ticket: Ticket, now: dt.datetime) -> Callback:
    """The 48-hour callback of a completed job, due when the SLA callback clock is. Once per
    job, however many completion handlers run. A customer surveyed within the policy's gap
    is not called again: the callback is stored as skipped, with the reason."""
    policy = callback_policy()
    due = clock_due(ticket, ClockKind.CALLBACK) or now + dt.timedelta(hours=policy.window_hours)
    recent = surveyed_customer_ids(now, policy).filter(customer_id=ticket.customer_id).exists()
    callback = Callback(
        ticket=ticket,
        kind=Callback.Kind.FOLLOW_UP,
        area_id=ticket.area_id,
        due_at=due,
        window_ends_at=now + dt.timedelta(hours=policy.window_hours),
        created_at=now,
    )
    if recent:
        callback.state = Callback.State.SKIPPED
        callback.skip_reason = Callback.SkipReason.RECENTLY_SURVEYED
        callback.closed_at = now
    stored, made = _insert_once(callback)
    if made and not recent:
        from .links import rating_sms_send

        rating_sms_send(ticket=ticket, policy=policy)
    if made and recent:
        # Not inside the completion's own status move: the closing moves run after commit.
        enqueue_task("callbacks.ticket_close_if_done", ticket_id=ticket.pk)
    return stored


def check_back_open(*, ticket: Ticket, now: dt.datetime) -> Callback:
    """The check-back call after phone guidance, due when its SLA clock is."""
    policy = callback_policy()
    due = clock_due(ticket, ClockKind.CHECK_BACK) or now + dt.timedelta(minutes=30)
    stored, _made = _insert_once(
        Callback(
            ticket=ticket,
            kind=Callback.Kind.CHECK_BACK,
            area_id=ticket.area_id,
            due_at=due,
            window_ends_at=due + dt.timedelta(hours=policy.window_hours),
            created_at=now,
        )
    )
    return stored


def deep_callback_open(*, ticket: Ticket, source: Callback | None, now: dt.datetime) -> Callback:
    """A supervisor's deep callback after a low score: its own clock (policy, 24 h)."""
    policy = callback_policy()
    callback = Callback(
        ticket=ticket,
        kind=Callback.Kind.DEEP,
        area_id=ticket.area_id,
        due_at=now + dt.timedelta(hours=policy.deep_callback_hours),
        source=source,
        created_at=now,
    )
    stored, made = _insert_once(callback)
    if made:
        ticket_event_record(
            ticket=ticket,
            kind=EventKind.DEEP_CALLBACK_OPENED,
            data={"callback_id": stored.pk, "due_at": stored.due_at.isoformat()},
        )
    return stored


# --- working a call -------------------------------------------------------------------------


def _require_caller(actor, callback: Callback) -> None:
    if callback.kind == Callback.Kind.DEEP:
        if not has_role(actor, *SUPERVISING_ROLES):
            raise PermissionDenied(_("Only a supervisor works a deep callback."))
    elif not has_role(actor, *DESK_CALLERS):
        raise PermissionDenied(_("Your role may not log customer calls."))


def lock_for_work(*, callback: Callback) -> tuple[Ticket, Callback]:
    """The ticket's row, then the callback's: refuses a callback that is no longer open."""
    ticket = Ticket.objects.select_for_update().get(pk=callback.ticket_id)
    locked = Callback.objects.select_for_update().get(pk=callback.pk)
    if not locked.is_open:
        raise Conflict(_("This call is already finished."), field="callback")
    return ticket, locked


def attempt_record(
    *, ticket: Ticket, callback: Callback, outcome: str, actor, note: str = ""
) -> CallAttempt:
    """Log one try (call while holding both locks). The call is an event on the ticket: a
    reached call meets the check-back clock (tickets.sla reads `customer_call`)."""
    if outcome not in Outcome.values:
        raise DomainError(_("Choose how the call went."), field="outcome")
    now = timezone.now()
    callback.attempts += 1
    attempt = CallAttempt.objects.create(
        callback=callback,
        number=callback.attempts,
        outcome=outcome,
        note=(note or "")[:500],
        actor=actor,
        created_at=now,
    )
    ticket_event_record(
        ticket=ticket,
        kind=EventKind.CUSTOMER_CALL,
        actor=actor,
        reason=(note or "")[:500],
        data={
            "outcome": outcome,
            "purpose": callback.kind,
            "callback_id": callback.pk,
            "attempt": callback.attempts,
        },
    )
    return attempt


def retry_or_give_up(*, callback: Callback, outcome: str, now: dt.datetime) -> bool:
    """After an unanswered try: schedule the next by policy, or close as unreachable (a
    wrong number, the last attempt, or no time left in the window). True: given up."""
    policy = callback_policy()
    next_at = now + dt.timedelta(minutes=policy.retry_minutes)
    window_end = callback.window_ends_at
    if (
        outcome in RETRIED
        and callback.attempts < policy.max_attempts
        and (window_end is None or next_at <= window_end)
    ):
        callback.next_attempt_at, callback.retry_marked_at = next_at, None
        callback.save(update_fields=["attempts", "next_attempt_at", "retry_marked_at"])
        return False
    callback_finish(callback=callback, state=Callback.State.UNREACHABLE, actor=None, now=now)
    return True


def callback_finish(
    *, callback: Callback, state: str, actor, now: dt.datetime, result: str = "", note: str = ""
) -> None:
    callback.state, callback.result = state, result
    callback.closed_at, callback.closed_by = now, actor
    callback.next_attempt_at = None
    if note:
        callback.note = note[:500]
    callback.save(
        update_fields=[
            "state",
            "result",
            "closed_at",
            "closed_by",
            "attempts",
            "next_attempt_at",
            "note",
        ]
    )


def follow_up_close_rated(*, ticket: Ticket, now: dt.datetime) -> None:
    """The customer rated the job themselves: the open follow-up call is not needed any more
    (call while holding the ticket's lock)."""
    for callback in Callback.objects.select_for_update().filter(
        ticket=ticket, kind=Callback.Kind.FOLLOW_UP, state=Callback.State.OPEN
    ):
        callback_finish(
            callback=callback,
            state=Callback.State.DONE,
            actor=None,
            now=now,
            result=Callback.Result.ALREADY_RATED,
        )
