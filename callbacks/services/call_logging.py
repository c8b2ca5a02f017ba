"""The agent's and the supervisor's calls, as they log them: a follow-up call with its
survey, a deep callback with what was done. Above the callback records (callbacks.py) and
the surveys (surveys.py), which both use."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import DomainError
from tickets.event_kinds import EventKind
from tickets.services import ticket_event_record

from ..models import Callback, ComplaintSource, Remedy, Survey
from .callbacks import (
    Outcome,
    _require_caller,
    attempt_record,
    callback_finish,
    lock_for_work,
    retry_or_give_up,
)
from .surveys import survey_record


def follow_up_log(
    *,
    callback: Callback,
    outcome: str,
    actor,
    note: str = "",
    survey: dict | None = None,
) -> Callback:
    """The agent's follow-up call: a reached call records the survey (speed, attitude,
    quality 1-5, fixed?, comment); an unanswered one is retried by policy. A job the customer
    already rated is not asked again: the call closes as already rated."""
    from .closure import ticket_close_if_done

    _require_caller(actor, callback)
    if callback.kind != Callback.Kind.FOLLOW_UP:
        raise DomainError(_("This is not a follow-up callback."), field="callback")
    if outcome == Outcome.REACHED and survey is None:
        raise DomainError(_("Record the customer's answers."), field="speed")
    with transaction.atomic():
        ticket, locked = lock_for_work(callback=callback)
        attempt_record(ticket=ticket, callback=locked, outcome=outcome, actor=actor, note=note)
        now = timezone.now()
        if outcome == Outcome.REACHED:
            done = Survey.objects.filter(ticket=ticket).exists()
            if not done:
                survey_record(
                    ticket=ticket,
                    channel=Survey.Channel.AGENT_CALL,
                    actor=actor,
                    callback=locked,
                    **survey,
                )
            callback_finish(
                callback=locked,
                state=Callback.State.DONE,
                actor=actor,
                now=now,
                result=Callback.Result.ALREADY_RATED if done else Callback.Result.SURVEYED,
                note=note,
            )
        else:
            retry_or_give_up(callback=locked, outcome=outcome, now=now)
        if not locked.is_open:
            ticket_close_if_done(ticket=ticket, actor=actor)
    callback.refresh_from_db()
    return callback


DEEP_OUTCOMES = (
    Callback.Result.APOLOGISED,
    Callback.Result.REVISIT_BOOKED,
    Callback.Result.COMPENSATION,
    Callback.Result.COMPLAINT_OPENED,
)


def deep_callback_log(
    *, callback: Callback, outcome: str, actor, result: str = "", note: str = ""
) -> Callback:
    """The supervisor's deep callback: reached, with what was done (apologised, revisit
    booked, compensation, complaint opened); unanswered ones are retried like any call."""
    from .closure import ticket_close_if_done

    _require_caller(actor, callback)
    if callback.kind != Callback.Kind.DEEP:
        raise DomainError(_("This is not a deep callback."), field="callback")
    if outcome == Outcome.REACHED and result not in DEEP_OUTCOMES:
        raise DomainError(_("Choose what was done for the customer."), field="result")
    if outcome == Outcome.REACHED and not (note or "").strip():
        raise DomainError(_("Write what the customer said."), field="note")
    with transaction.atomic():
        ticket, locked = lock_for_work(callback=callback)
        attempt_record(ticket=ticket, callback=locked, outcome=outcome, actor=actor, note=note)
        now = timezone.now()
        if outcome == Outcome.REACHED:
            callback_finish(
                callback=locked,
                state=Callback.State.DONE,
                actor=actor,
                now=now,
                result=result,
                note=note.strip(),
            )
            if result == Callback.Result.COMPLAINT_OPENED:
                from .complaints import complaint_open

                complaint_open(
                    ticket=ticket,
                    source=ComplaintSource.CALLBACK,
                    remedy_wanted=Remedy.OTHER,
                    description=note.strip(),
                    actor=actor,
                    source_ref=f"callback:{locked.pk}",
                )
        else:
            retry_or_give_up(callback=locked, outcome=outcome, now=now)
        if not locked.is_open:
            ticket_event_record(
                ticket=ticket,
                kind=EventKind.CALLBACK_CLOSED,
                actor=actor,
                data={"callback_id": locked.pk, "kind": locked.kind, "result": locked.result},
            )
            ticket_close_if_done(ticket=ticket, actor=actor)
    callback.refresh_from_db()
    return callback
