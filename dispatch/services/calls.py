"""The engineer's calls to the customer and the "no answer" retries."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engineers.models import Engineer
from tickets.errors import Conflict, DomainError
from tickets.messaging import send_sms
from tickets.services import ticket_event_record

from ..models import Assignment
from .assignments import _engineer_assignment

CALL_RETRY_AFTER = dt.timedelta(minutes=getattr(settings, "DISPATCH_CALL_RETRY_MINUTES", 15))


CALL_OUTCOMES = ("reached", "no_answer", "wrong_number")


def customer_call_log(*, engineer: Engineer, ticket_id: int, outcome: str, note: str = ""):
    """The engineer's call to the customer. "reached" meets the contact clock; "no answer"
    sets a retry time (swept by beat) and texts the customer."""
    if outcome not in CALL_OUTCOMES:
        raise DomainError(_("Choose the outcome of the call."), field="outcome")
    now = timezone.now()
    with transaction.atomic():
        ticket, assignment = _engineer_assignment(
            engineer=engineer, ticket_id=ticket_id, states=Assignment.LIVE
        )
        if assignment.state != Assignment.State.ACCEPTED:
            raise Conflict(_("Accept the job before calling the customer."), field="outcome")
        data = {
            "outcome": outcome,
            "engineer_user_id": engineer.user_id,
            "assignment_id": assignment.pk,
        }
        if outcome == "no_answer":
            assignment.call_retry_due_at = now + CALL_RETRY_AFTER
            data["retry_at"] = assignment.call_retry_due_at.isoformat()
            send_sms(
                to=ticket.customer.mobile,
                purpose="call_missed",
                ticket=ticket,
                body=_(
                    "Our engineer %(name)s tried to call you about repair %(number)s and will "
                    "call again soon."
                )
                % {"name": engineer.display_name, "number": ticket.number},
            )
        else:
            assignment.call_retry_due_at = None
        assignment.save(update_fields=["call_retry_due_at"])
        return ticket_event_record(
            ticket=ticket, kind="customer_call", actor=engineer.user, reason=note, data=data
        )


def call_retries_due(*, now: dt.datetime | None = None, batch: int = 100) -> int:
    """ "No answer" retries that are due: remind the engineer (an event on the job, shown on
    their list, and an SMS when we have their number) and clear the retry time."""
    now = now or timezone.now()
    done = 0
    ids = list(
        Assignment.objects.filter(
            state=Assignment.State.ACCEPTED, call_retry_due_at__lte=now
        ).values_list("pk", flat=True)[:batch]
    )
    for pk in ids:
        with transaction.atomic():
            a = (
                Assignment.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, call_retry_due_at__lte=now, state=Assignment.State.ACCEPTED)
                .select_related("ticket", "engineer__user")
                .first()
            )
            if a is None:
                continue
            a.call_retry_due_at = None
            a.save(update_fields=["call_retry_due_at"])
            ticket_event_record(
                ticket=a.ticket,
                kind="call_retry_due",
                data={"engineer_user_id": a.engineer.user_id, "assignment_id": a.pk},
            )
            if a.engineer.phone:
                send_sms(
                    to=a.engineer.phone,
                    purpose="call_retry",
                    ticket=a.ticket,
                    body=_("Call the customer of %(number)s again.") % {"number": a.ticket.number},
                )
            done += 1
    return done
