"""The one way a customer's request is opened (tracking page) and marked done (desk), each
recorded on the ticket's timeline."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import services
from tickets.booking import booking_window_check
from tickets.errors import Conflict, DomainError
from tickets.event_kinds import EventKind
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.text_limits import text_check

from .models import (
    CUSTOMER_NOTE,
    CancelReason,
    CustomerRequest,
    CustomerRequestKind,
    CustomerRequestStatus,
)

# A customer may still change the visit until the engineer is with them.
_OPEN_TO_REQUESTS = (
    Status.NEW,
    Status.AWAITING_FEE_ACCEPTANCE,
    Status.AWAITING_DISPATCH,
    Status.ASSIGNED,
    Status.ACCEPTED,
    Status.SCHEDULED,
    Status.EN_ROUTE,
    Status.WAITING_FOR_PARTS,
)


def requests_open_for(ticket: Ticket) -> bool:
    return ticket.status in _OPEN_TO_REQUESTS


def customer_request_create(
    *,
    ticket: Ticket,
    kind: str,
    note: str = "",
    reason_code: str = "",
    preferred_start: dt.datetime | None = None,
    preferred_end: dt.datetime | None = None,
) -> CustomerRequest:
    if kind not in CustomerRequestKind.values:
        raise DomainError(_("Choose what you would like to change."), field="kind")
    if not requests_open_for(ticket):
        raise Conflict(_("This repair can no longer be changed here. Please call us."))
    note = text_check(note, field="note", limit=CUSTOMER_NOTE)
    if kind == CustomerRequestKind.RESCHEDULE:
        if preferred_start is None:
            raise DomainError(_("Choose the day and time that suit you."), field="preferred_start")
        if preferred_end is None:
            preferred_end = preferred_start + dt.timedelta(hours=2)
        booking_window_check(
            preferred_start,
            preferred_end,
            start_field="preferred_start",
            end_field="preferred_end",
        )
        reason_code = ""
    else:
        if reason_code not in CancelReason.values:
            raise DomainError(_("Choose a reason."), field="reason_code")
        preferred_start = preferred_end = None
    try:
        with transaction.atomic():
            request = CustomerRequest.objects.create(
                ticket=ticket,
                kind=kind,
                note=note,
                reason_code=reason_code,
                preferred_start=preferred_start,
                preferred_end=preferred_end,
            )
            services.ticket_event_record(
                ticket=ticket,
                kind=EventKind.CUSTOMER_REQUESTED,
                reason=reason_code,
                data={
                    "request_id": request.pk,
                    "request_kind": kind,
                    "preferred_start": preferred_start.isoformat() if preferred_start else None,
                    "preferred_end": preferred_end.isoformat() if preferred_end else None,
                },
            )
    except IntegrityError:
        raise Conflict(
            _("We already have this request and will call you about it."), field="kind"
        ) from None
    return request


def customer_request_done(*, request: CustomerRequest, actor) -> CustomerRequest:
    with transaction.atomic():
        request = CustomerRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == CustomerRequestStatus.DONE:
            raise Conflict(_("This request is already done."))
        request.status = CustomerRequestStatus.DONE
        request.handled_by = actor
        request.handled_at = timezone.now()
        request.save(update_fields=["status", "handled_by", "handled_at"])
        services.ticket_event_record(
            ticket=request.ticket,
            kind=EventKind.CUSTOMER_REQUEST_DONE,
            actor=actor,
            data={"request_id": request.pk, "request_kind": request.kind},
        )
    return request
