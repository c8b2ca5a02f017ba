"""The check-back call after phone guidance: fixed closes the ticket as resolved remotely;
not fixed sends it to dispatch (same ticket: its history and the customer's original report
time stay); the customer will call back closes it with that reason. Only a reached call
meets the check-back clock; unanswered calls are retried by policy, then given up."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import DomainError
from tickets.event_kinds import EventKind
from tickets.lifecycle import CloseReason, Status
from tickets.services import ticket_event_record, ticket_transition

from ..models import CallAttempt, Callback
from .callbacks import _require_caller, attempt_record, callback_finish, lock_for_work
from .callbacks import retry_or_give_up as _retry_or_give_up
from .closure import ticket_close_if_done

RESULTS = (Callback.Result.FIXED, Callback.Result.NOT_FIXED, Callback.Result.WILL_CALL_BACK)


def check_back_log(
    *, callback: Callback, outcome: str, actor, result: str = "", note: str = ""
) -> Callback:
    _require_caller(actor, callback)
    if callback.kind != Callback.Kind.CHECK_BACK:
        raise DomainError(_("This is not a check-back call."), field="callback")
    reached = outcome == CallAttempt.Outcome.REACHED
    if reached and result not in RESULTS:
        raise DomainError(_("Choose the result of the check-back."), field="result")
    with transaction.atomic():
        ticket, locked = lock_for_work(callback=callback)
        if ticket.status != Status.RESOLVED_REMOTELY:
            raise DomainError(
                _("The ticket is no longer waiting for its check-back."), field="callback"
            )
        attempt_record(ticket=ticket, callback=locked, outcome=outcome, actor=actor, note=note)
        now = timezone.now()
        if reached:
            callback_finish(
                callback=locked,
                state=Callback.State.DONE,
                actor=actor,
                now=now,
                result=result,
                note=note,
            )
            ticket_event_record(
                ticket=ticket,
                kind=EventKind.CHECK_BACK_DONE,
                actor=actor,
                reason=(note or "")[:500],
                data={"callback_id": locked.pk, "result": result},
            )
            if result == Callback.Result.NOT_FIXED:
                ticket_transition(
                    ticket=ticket,
                    to=Status.AWAITING_DISPATCH,
                    actor=actor,
                    reason=note or "",
                    data={
                        "reason_code": "check_back_not_fixed",
                        # the SLA counts from the customer's first report, not from now
                        "sla_from": ticket.created_at.isoformat(),
                    },
                )
            else:
                reason = (
                    CloseReason.RESOLVED_REMOTELY
                    if result == Callback.Result.FIXED
                    else CloseReason.CUSTOMER_WILL_CALL
                )
                ticket_close_if_done(ticket=ticket, actor=actor, reason=reason)
        elif _retry_or_give_up(callback=locked, outcome=outcome, now=now):
            ticket_close_if_done(
                ticket=ticket, actor=None, reason=CloseReason.CHECK_BACK_UNREACHABLE
            )
    callback.refresh_from_db()
    return callback
