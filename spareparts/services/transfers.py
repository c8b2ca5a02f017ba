"""Transfers: planned (reserved at the source), dispatched (in transit: out of the source's
stock), received (a scan at the destination: into its stock). Receiving the last part a
job waits for releases the job to its engineer."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import masterdata
from tickets.errors import DomainError, PermissionDenied, TransitionNotAllowed
from tickets.lifecycle import Status
from tickets.messaging import send_sms
from tickets.models import Ticket
from tickets.onsite.services import parts_arrived
from tickets.roles import has_role
from tickets.services import ticket_event_record

from ..access import RELEASING_ROLES, location_require_access
from ..models import LedgerKind, Location, Part, PartRequest, Transfer, TransferRoute
from .stock import _quantity, ledger_record, stock_release, stock_reserve

DEFAULT_ROUTE_HOURS = 72
FINISHED = (Status.COMPLETED, Status.CALLBACK_DONE, Status.CLOSED, Status.CANCELLED)


def route_hours(source: Location, destination: Location) -> int:
    routes = masterdata.cached(
        ("parts_routes",),
        lambda: {(r.from_kind, r.to_kind): r.hours for r in TransferRoute.objects.all()},
    )
    return routes.get((source.kind, destination.kind), DEFAULT_ROUTE_HOURS)


def transfer_eta(source: Location, destination: Location, *, start: dt.datetime | None = None):
    return (start or timezone.now()) + dt.timedelta(hours=route_hours(source, destination))


def transfer_plan(
    *,
    source: Location,
    destination: Location,
    part: Part,
    quantity: int,
    actor=None,
    request: PartRequest | None = None,
) -> Transfer:
    """A transfer, its quantity reserved at the source. A request's transfer uses the
    reservation the request already holds."""
    quantity = _quantity(quantity)
    if source.pk == destination.pk:
        raise DomainError(_("Choose two different locations."), field="destination")
    if request is None:
        location_require_access(user=actor, location=source)
    # A request's transfer is written inside the request's transaction: no savepoint.
    with transaction.atomic(savepoint=request is None):
        if request is None:
            stock_reserve(location=source, part=part, quantity=quantity, actor=actor)
        return Transfer.objects.create(
            source=source,
            destination=destination,
            part=part,
            quantity=quantity,
            request=request,
            reserve_on_receipt=bool(request and request.ticket_id),
            eta=transfer_eta(source, destination),
            created_by=actor,
        )


def _locked(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("source", "destination", "part", "request")
        .get(pk=transfer.pk)
    )


def transfer_dispatch(*, transfer: Transfer, actor=None, serials=()) -> Transfer:
    """The parts leave the source: its stock (and the reservation) drop; ETA from now.
    The serials scanned into the parcel follow it in the ledger (the trace)."""
    serials = [s.strip().upper()[:64] for s in serials if s and s.strip()]
    with transaction.atomic():
        t = _locked(transfer)
        location_require_access(user=actor, location=t.source)
        if t.status == Transfer.Status.IN_TRANSIT:
            return t  # a retried scan
        if t.status != Transfer.Status.PLANNED:
            raise TransitionNotAllowed(
                _("This transfer is not waiting to be sent."), field="status"
            )
        if serials and len(set(serials)) != t.quantity:
            raise DomainError(
                _("Scan one different serial per unit (%(n)s).") % {"n": t.quantity},
                field="serials",
            )
        t.serials = serials
        ticket = t.request.ticket if t.request_id else None
        ledger_record(
            kind=LedgerKind.TRANSFER_OUT,
            serials=serials,
            location=t.source,
            part=t.part,
            on_hand_delta=-t.quantity,
            reserved_delta=-t.quantity,
            actor=actor,
            transfer=t,
            ticket=ticket,
        )
        t.status = Transfer.Status.IN_TRANSIT
        t.dispatched_at = timezone.now()
        t.eta = transfer_eta(t.source, t.destination, start=t.dispatched_at)
        t.save(update_fields=["status", "dispatched_at", "eta", "serials"])
    return t


def transfer_receive(*, transfer: Transfer, actor=None) -> Transfer:
    """Scanned in at the destination: its stock rises (reserved for the job it came for).
    The job that waited only for this is released to its engineer."""
    with transaction.atomic():
        t = _locked(transfer)
        location_require_access(user=actor, location=t.destination)
        if t.status == Transfer.Status.RECEIVED:
            return t
        if t.status != Transfer.Status.IN_TRANSIT:
            raise TransitionNotAllowed(_("This transfer has not been dispatched."), field="status")
        ticket = t.request.ticket if t.request_id else None
        # Kept for the job it came for, unless that job is over.
        keep = t.reserve_on_receipt and ticket is not None and ticket.status not in FINISHED
        ledger_record(
            kind=LedgerKind.TRANSFER_IN,
            serials=t.serials,
            location=t.destination,
            part=t.part,
            on_hand_delta=t.quantity,
            reserved_delta=t.quantity if keep else 0,
            actor=actor,
            transfer=t,
            ticket=ticket if keep else None,
        )
        t.status = Transfer.Status.RECEIVED
        t.received_at = timezone.now()
        t.received_by = actor
        t.save(update_fields=["status", "received_at", "received_by"])
        if ticket is not None and keep:
            _part_received(ticket=ticket, transfer=t, actor=actor)
    return t


def transfer_cancel(*, transfer: Transfer, actor=None) -> Transfer:
    with transaction.atomic():
        t = _locked(transfer)
        location_require_access(user=actor, location=t.source)
        if t.status == Transfer.Status.CANCELLED:
            return t
        if t.status != Transfer.Status.PLANNED:
            raise TransitionNotAllowed(
                _("Only a planned transfer can be cancelled."), field="status"
            )
        stock_release(
            location=t.source,
            part=t.part,
            quantity=t.quantity,
            actor=actor,
            ticket=t.request.ticket if t.request_id else None,
        )
        t.status = Transfer.Status.CANCELLED
        t.save(update_fields=["status"])
    return t


def open_transfers_for_ticket(ticket: Ticket):
    return Transfer.objects.filter(
        request__ticket=ticket, status__in=[Transfer.Status.PLANNED, Transfer.Status.IN_TRANSIT]
    )


def _part_received(*, ticket: Ticket, transfer: Transfer, actor) -> None:
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    ticket_event_record(
        ticket=locked,
        kind="part_received",
        actor=actor,
        data={
            "transfer_id": transfer.pk,
            "sku": transfer.part.sku,
            "quantity": transfer.quantity,
            "at": transfer.destination.name,
        },
    )
    held = PartRequest.objects.filter(ticket=ticket, status=PartRequest.Status.HELD)
    if (
        locked.status == Status.WAITING_FOR_PARTS
        and not open_transfers_for_ticket(ticket).exists()
        and not held.exists()
    ):
        # The system releases it (the scan is the proof), whoever scanned.
        parts_arrived(ticket=locked, actor=None)
        _tell_engineer(ticket=locked, transfer=transfer)


def _tell_engineer(*, ticket: Ticket, transfer: Transfer) -> None:
    """The engineer is told the job is theirs again, to book the visit."""
    request = transfer.request
    phone = request.engineer.phone if request is not None else ""
    if not phone:
        return
    send_sms(
        to=phone,
        purpose="parts_arrived",
        ticket=ticket,
        body=_("The parts for %(number)s are in (%(at)s). Call the customer to book the visit.")
        % {"number": ticket.number, "at": transfer.destination.name},
    )


def job_release(*, ticket: Ticket, actor) -> Ticket:
    """A dispatcher or parts manager releases a job waiting for parts (the parts came by
    another way, or the job can go ahead without them)."""
    if not has_role(actor, *RELEASING_ROLES):
        raise PermissionDenied(_("Only a dispatcher or a parts manager can release the job."))
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status != Status.WAITING_FOR_PARTS:
            raise TransitionNotAllowed(_("This job is not waiting for parts."), field="status")
        ticket_event_record(ticket=locked, kind="parts_released", actor=actor)
        parts_arrived(ticket=locked, actor=actor)
    ticket.refresh_from_db()
    return ticket
