"""The next visit, booked as every visit is (an appointment through hooks.book_visit)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from tickets import hooks
from tickets.errors import DomainError, TransitionNotAllowed
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite.selectors import assigned_engineer_user_id
from tickets.services import ticket_event_record, ticket_transition


def _visit_book(
    *,
    ticket: Ticket,
    engineer_user,
    window_start: dt.datetime,
    window_end: dt.datetime,
    actor,
    reason: str,
    facts: dict,
):
    """Book the next visit as every visit is booked (`hooks.book_visit`: the dispatch app's
    appointment, with its clash check), then the ticket is scheduled. Call holding the
    ticket's row lock; a refused window (a clash) rolls the caller's work back."""
    appointment = hooks.book_visit(
        ticket=ticket,
        engineer_user=engineer_user,
        window_start=window_start,
        window_end=window_end,
    )
    facts = {
        **facts,
        "window_start": window_start.isoformat(),
        "window_end": window_end.isoformat(),
        "engineer_user_id": engineer_user.pk,
        "appointment_id": getattr(appointment, "pk", None),
    }
    current = Ticket.objects.values_list("status", flat=True).get(pk=ticket.pk)
    if current == Status.SCHEDULED:
        # The booker scheduled the ticket itself: keep the on-site facts on the timeline.
        ticket.status = current
        ticket_event_record(
            ticket=ticket, kind="visit_booked", actor=actor, reason=reason, data=facts
        )
    else:
        ticket_transition(
            ticket=ticket, to=Status.SCHEDULED, actor=actor, reason=reason, data=facts
        )
    return appointment


def parts_arrived(
    *,
    ticket: Ticket,
    actor,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
) -> Ticket:
    """The parts are in: the job goes back to its engineer. With a window agreed, the visit is
    booked (an appointment, as from the job list) and the job is scheduled; otherwise it goes
    to accepted, for the engineer to book the visit."""
    if (window_start is None) != (window_end is None):
        raise DomainError(_("Give both ends of the visit window."), field="window_end")
    if window_start and window_end <= window_start:
        raise DomainError(_("The window must end after it starts."), field="window_end")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status != Status.WAITING_FOR_PARTS:
            raise TransitionNotAllowed(_("This job is not waiting for parts."), field="status")
        if window_start:
            engineer_id = assigned_engineer_user_id(locked)
            if engineer_id is None:
                raise TransitionNotAllowed(_("This job has no engineer."), field="status")
            engineer_user = get_user_model().objects.get(pk=engineer_id)
            _visit_book(
                ticket=locked,
                engineer_user=engineer_user,
                window_start=window_start,
                window_end=window_end,
                actor=actor,
                reason="",
                facts={"parts_arrived": True, "reason_code": "parts_arrived"},
            )
        else:
            ticket_transition(
                ticket=locked,
                to=Status.ACCEPTED,
                actor=actor,
                reason="",
                data={"parts_arrived": True, "reason_code": "parts_arrived"},
            )
    ticket.status = locked.status
    return ticket
