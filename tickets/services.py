"""Writes of the tickets app. Pages, the API and Celery tasks all call these."""

import datetime as dt
import logging

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import customer_links, hooks, masterdata
from .choices import Channel, FaultClass, Priority
from .errors import DomainError, PermissionDenied, TransitionNotAllowed
from .event_kinds import EventKind
from .inserts import batched_inserts, insert_later, reserved_value
from .lifecycle import Status, allowed_roles
from .messaging import send_sms
from .models import (
    Address,
    Appliance,
    Customer,
    DuplicateCustomerReason,
    ServiceArea,
    Ticket,
    TicketEvent,
)
from .proofs import proof_clean
from .roles import Role, roles_of
from .warranty import appliance_warranty_verdict, intake_estimate

log = logging.getLogger(__name__)


def actor_label(actor) -> str:
    return actor.get_username() if actor is not None else "system"


_E164_SEEN: dict[str, str] = {}


def phone_normalize(raw: str, *, field: str = "mobile") -> str:
    """A Chinese mobile number in E.164 (+86...), or a DomainError naming the field."""
    # An intake normalises the number twice: the API's validation, then the service with
    # the E.164 form. Both forms are remembered (per process, a bounded few thousand).
    known = _E164_SEEN.get(raw)
    if known is not None:
        return known
    e164 = _phone_e164(raw, field)
    if len(_E164_SEEN) > 8192:
        _E164_SEEN.clear()
    _E164_SEEN[raw] = _E164_SEEN[e164] = e164
    return e164


def _phone_e164(raw: str, field: str) -> str:
    try:
        number = phonenumbers.parse((raw or "").strip(), "CN")
    except phonenumbers.NumberParseException as exc:
        raise DomainError(_("Enter a valid mobile phone number."), field=field) from exc
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "CN"
        or phonenumbers.number_type(number)
        not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
    ):
        raise DomainError(_("Enter a valid mobile phone number."), field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- customers and appliances ----------------------------------------------------------


def customer_create(
    *,
    name: str,
    mobile: str,
    address_line: str,
    area: ServiceArea,
    lat: float | None = None,
    lng: float | None = None,
    duplicate_reason: str = "",
) -> tuple[Customer, Address]:
    """A new customer with their (default) address. A number already on file refuses it
    (the `uniq_customer_mobile` constraint, when the transaction's rows are written)
    unless `duplicate_reason` says why this is a second record: registering a caller goes
    through `tickets.intake`, which looks for them first."""
    if not (name or "").strip():
        raise DomainError(_("Enter the customer's name."), field="name")
    if not (address_line or "").strip():
        raise DomainError(_("Enter the address."), field="address_line")
    if duplicate_reason and duplicate_reason not in DuplicateCustomerReason.values:
        raise DomainError(_("Choose a reason from the list."), field="duplicate_reason")
    mobile = phone_normalize(mobile)
    customer = Customer(name=name.strip(), mobile=mobile, duplicate_reason=duplicate_reason)
    customer.set_derived_fields()
    address = Address(customer=customer, line=address_line.strip(), area=area, lat=lat, lng=lng)
    with transaction.atomic(savepoint=False), batched_inserts():
        insert_later([customer], with_keys=True)
        insert_later([address], with_keys=True)
    return customer, address


def customer_update(
    *, customer: Customer, name: str, mobile: str, address_line: str, area: ServiceArea
) -> Customer:
    if not (name or "").strip():
        raise DomainError(_("Enter the customer's name."), field="name")
    if not (address_line or "").strip():
        raise DomainError(_("Enter the address."), field="address_line")
    customer.name = name.strip()
    customer.mobile = phone_normalize(mobile)
    try:
        with transaction.atomic():
            customer.save()
            address = customer.addresses.filter(is_default=True).first()
            if address is None:
                Address.objects.create(customer=customer, line=address_line.strip(), area=area)
            else:
                address.line, address.area = address_line.strip(), area
                address.save(update_fields=["line", "area"])
    except IntegrityError:
        raise DomainError(
            _("Another customer has this mobile number: find them by it instead."),
            field="mobile",
        ) from None
    return customer


EARLIEST_PURCHASE_DATE = dt.date(1990, 1, 1)


def purchase_date_check(purchase_date: dt.date | None) -> None:
    """A purchase date is not in the future nor before 1990 (a typo, not an appliance)."""
    if purchase_date is None:
        return
    if purchase_date > timezone.localdate():
        raise DomainError(_("The purchase date cannot be in the future."), field="purchase_date")
    if purchase_date < EARLIEST_PURCHASE_DATE:
        raise DomainError(
            _("The purchase date cannot be before %(date)s.")
            % {"date": EARLIEST_PURCHASE_DATE.isoformat()},
            field="purchase_date",
        )


def appliance_create(
    *,
    customer: Customer,
    category: str,
    brand: str,
    model_number: str,
    serial_number: str = "",
    purchase_date: dt.date | None = None,
    purchase_channel: str = "store",
    proof_of_purchase=None,
    registered_by=None,
    batched: bool = False,
) -> Appliance:
    """A new appliance record. A serial number already on file is refused by the
    `uniq_appliance_serial` constraint: `tickets.intake` finds it first, or transfers it.
    `batched`: written with the intake's other rows (`tickets.inserts`, inside
    `intake_atomic`, whose retry handles the constraint), not on its own round trip."""
    purchase_date_check(purchase_date)
    if not (model_number or "").strip():
        raise DomainError(_("Enter the model."), field="model_number")
    if proof_of_purchase:
        proof_of_purchase = proof_clean(proof_of_purchase)
    appliance = Appliance(
        customer=customer,
        category=category,
        brand=(brand or "").strip(),
        model_number=model_number.strip(),
        serial_number=(serial_number or "").strip().upper(),
        purchase_date=purchase_date,
        purchase_channel=purchase_channel,
        registered_by=registered_by,
    )
    if proof_of_purchase:
        appliance.proof_of_purchase = proof_of_purchase
    elif batched:
        with transaction.atomic(savepoint=False), batched_inserts():
            insert_later([appliance], with_keys=True)
        return appliance
    appliance.save()
    return appliance


def appliance_update(
    *,
    appliance: Appliance,
    category: str,
    brand: str,
    model_number: str,
    serial_number: str = "",
    purchase_date: dt.date | None = None,
    purchase_channel: str = "store",
    proof_of_purchase=None,
) -> Appliance:
    """Correct an appliance's record. A new proof of purchase replaces the old one; none
    given keeps the stored file. Tickets already opened keep the verdict they were given."""
    purchase_date_check(purchase_date)
    if not (model_number or "").strip():
        raise DomainError(_("Enter the model."), field="model_number")
    appliance.category = category
    appliance.brand = (brand or "").strip()
    appliance.model_number = model_number.strip()
    appliance.serial_number = (serial_number or "").strip().upper()
    appliance.purchase_date = purchase_date
    appliance.purchase_channel = purchase_channel
    if proof_of_purchase:
        appliance.proof_of_purchase = proof_clean(proof_of_purchase)
    try:
        with transaction.atomic():
            appliance.save()
    except IntegrityError:
        raise DomainError(
            _("Another appliance has this serial number: transfer that one instead."),
            field="serial_number",
        ) from None
    return appliance


# --- the state machine --------------------------------------------------------------------


def _acting_role(actor, allowed: set[str], as_role: str | None) -> str | None:
    roles = roles_of(actor)
    if as_role is not None:
        return as_role if as_role in roles and as_role in allowed else None
    for role in allowed:
        if role in roles:
            return role
    return None


def ticket_event_record(
    *, ticket: Ticket, kind: str, actor=None, reason: str = "", data: dict | None = None
) -> TicketEvent:
    """An event that is not a status change (a note, a logged call, a fee acceptance).
    Runs the registered event handlers in the same transaction. `kind` is an `EventKind`."""
    if kind not in EventKind.values or kind == EventKind.STATUS:
        raise ValueError(f"Unknown event kind {kind!r}: add it to tickets.event_kinds.EventKind")
    with transaction.atomic():
        event = TicketEvent.objects.create(
            ticket=ticket,
            kind=kind,
            actor=actor,
            actor_label=actor_label(actor),
            from_status=ticket.status,
            to_status=ticket.status,
            reason=reason,
            data=data or {},
        )
        hooks.run_event_handlers(ticket=ticket, event=event, actor=actor)
    return event


def ticket_events_record_many(
    *, events: list[dict], created_at: dt.datetime | None = None
) -> list[TicketEvent]:
    """Many events of system work (a sweep's breaches, warnings, escalations) in one
    insert, then the registered event handlers for each, in the same transaction.

    Each item: `ticket` (or `ticket_id`), `kind` (an `EventKind`), optional `data`,
    `reason`, `actor`. The tickets are read in one query but not locked: a sweep must not
    wait on a ticket a transition holds. A handler that needs to change the ticket does so
    through the task outbox."""
    if not events:
        return []
    for item in events:
        kind = item["kind"]
        if kind not in EventKind.values or kind == EventKind.STATUS:
            raise ValueError(
                f"Unknown event kind {kind!r}: add it to tickets.event_kinds.EventKind"
            )
    missing = {item["ticket_id"] for item in events if "ticket" not in item}
    tickets = Ticket.objects.in_bulk(missing) if missing else {}
    when = created_at or timezone.now()
    rows = []
    for item in events:
        ticket = item.get("ticket") or tickets[item["ticket_id"]]
        actor = item.get("actor")
        rows.append(
            TicketEvent(
                ticket=ticket,
                kind=item["kind"],
                actor=actor,
                actor_label=actor_label(actor),
                from_status=ticket.status,
                to_status=ticket.status,
                reason=item.get("reason", ""),
                data=item.get("data") or {},
                created_at=when,
            )
        )
    with transaction.atomic():
        TicketEvent.objects.bulk_create(rows)
        for event in rows:
            hooks.run_event_handlers(ticket=event.ticket, event=event, actor=event.actor)
    return rows


def _check_move(
    from_status: str, to: str, *, actor, as_role: str | None, service_type: str = "repair"
) -> str:
    """The role the actor makes this move in, or an error: not in the lifecycle table, a
    status the ticket's service type never uses, or not a move the actor's role may make."""
    allowed = allowed_roles(from_status, to)
    kind = masterdata.service_type(service_type)
    if allowed is not None and kind is not None and to in (kind.unused_statuses or ()):
        raise TransitionNotAllowed(
            _("A ticket of the type “%(type)s” never goes to “%(to)s”.")
            % {"type": kind.name, "to": Status(to).label},
            field="status",
        )
    if allowed is None:
        raise TransitionNotAllowed(
            _("A ticket cannot go from “%(from)s” to “%(to)s”.")
            % {"from": Status(from_status).label, "to": Status(to).label},
            field="status",
        )
    role = _acting_role(actor, allowed, as_role)
    if role is None:
        raise PermissionDenied(
            _("Your role may not move a ticket from “%(from)s” to “%(to)s”.")
            % {"from": Status(from_status).label, "to": Status(to).label}
        )
    return role


def ticket_transition(
    *,
    ticket: Ticket,
    to: str,
    actor=None,
    reason: str = "",
    data: dict | None = None,
    as_role: str | None = None,
) -> TicketEvent:
    """Move a ticket to `to`: the only way `Ticket.status` changes.

    Locks the ticket row, refuses a move that is not in the lifecycle table or
    that the actor's role may not make, saves, writes the event and runs the
    registered transition handlers, all in one transaction. `actor=None` is the
    system. The given `ticket` object is refreshed with the stored row.
    """
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        from_status = locked.status
        role = _check_move(
            from_status, to, actor=actor, as_role=as_role, service_type=locked.service_type_id
        )
        now = timezone.now()
        locked.status = to
        fields = ["status", "updated_at"]
        if to in Status.terminal():
            locked.closed_at = now
            locked.close_reason = reason[:255]
            fields += ["closed_at", "close_reason"]
        locked.save(update_fields=fields)
        event = TicketEvent.objects.create(
            ticket=locked,
            kind="status",
            actor=actor,
            actor_label=actor_label(actor),
            from_status=from_status,
            to_status=to,
            reason=reason,
            data={**(data or {}), "role": role},
            created_at=now,
        )
        hooks.run_transition_handlers(
            ticket=locked, from_status=from_status, to_status=to, event=event, actor=actor
        )
    for field in ("status", "updated_at", "closed_at", "close_reason"):
        setattr(ticket, field, getattr(locked, field))
    return event


# --- intake -------------------------------------------------------------------------------


def _next_ticket_number(now: dt.datetime) -> str:
    # A Postgres sequence, read a block at a time: never blocks concurrent intakes, unique,
    # with gaps (a rollback, a process's unused values) and interleaved between processes.
    value = reserved_value("ticket_number_seq")
    return f"SR-{timezone.localtime(now):%Y%m%d}-{value:06d}"


def tracking_url(ticket: Ticket) -> str:
    return f"{settings.SITE_URL}/t/{ticket.public_token}/"


def _acknowledgement(ticket: Ticket, kind) -> str:
    if customer_links.fixed_address():
        return _(
            "Your request %(number)s (%(service)s) is registered. Follow it at %(url)s with "
            "your ticket number and the code %(code)s."
        ) % {
            "service": kind.name,
            "number": ticket.number,
            "url": customer_links.fixed_tracking_url(),
            "code": customer_links.customer_code(ticket, "track"),
        }
    return _("Your request %(number)s (%(service)s) is registered. Follow it here: %(url)s") % {
        "service": kind.name,
        "number": ticket.number,
        "url": tracking_url(ticket),
    }


def ticket_create(
    *,
    customer: Customer,
    appliance: Appliance,
    channel: str,
    fault_description: str,
    priority: str = Priority.NORMAL,
    fault_class: str = FaultClass.STANDARD,
    fault_code: str = "",
    address: Address | None = None,
    preferred_start: dt.datetime | None = None,
    preferred_end: dt.datetime | None = None,
    related_ticket: Ticket | None = None,
    possible_duplicate_of: Ticket | None = None,
    service_type: str = "repair",
    actor=None,
) -> Ticket:
    """Register a service request (a repair, an installation, ... by `service_type`):
    warranty verdict, fee estimate when out of warranty or when the type is charged
    anyway, acknowledgement SMS with the tracking link; then on to fee acceptance or
    dispatch.
    `possible_duplicate_of`: an open ticket of the same appliance, named on the new
    ticket's first event for the agent (the channels decide in `tickets.intake`)."""
    if appliance.customer_id != customer.pk:
        raise DomainError(_("The appliance does not belong to this customer."), field="appliance")
    if not (fault_description or "").strip():
        raise DomainError(_("Describe the fault."), field="fault_description")
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if priority not in Priority.values:
        raise DomainError(_("Unknown priority."), field="priority")
    kind = masterdata.service_type(service_type)
    if kind is None or not kind.active:
        raise DomainError(_("Unknown service type."), field="service_type")
    if fault_class not in FaultClass.values:
        raise DomainError(_("Unknown fault class."), field="fault_class")
    if (preferred_start is None) != (preferred_end is None):
        raise DomainError(_("Give both ends of the preferred window."), field="preferred_end")
    if preferred_start and preferred_end <= preferred_start:
        raise DomainError(_("The window must end after it starts."), field="preferred_end")
    if priority == Priority.APPOINTMENT and preferred_start is None:
        raise DomainError(
            _("An appointment needs the customer's preferred window."), field="preferred_start"
        )
    if address is None:
        address = customer.addresses.filter(is_default=True).first() or customer.addresses.first()
        if address is None:
            raise DomainError(_("The customer has no address."), field="address")
    elif address.customer_id != customer.pk:
        raise DomainError(_("The address does not belong to this customer."), field="address")

    now = timezone.now()
    verdict = appliance_warranty_verdict(appliance=appliance, on=timezone.localdate())
    estimate = intake_estimate(
        in_warranty=verdict.in_warranty,
        category=appliance.category,
        fault_class=fault_class,
        service_type=kind.code,
    )
    next_status = Status.AWAITING_DISPATCH if estimate is None else Status.AWAITING_FEE_ACCEPTANCE
    role = _check_move(
        Status.NEW, next_status, actor=actor, as_role=_intake_role(actor), service_type=kind.code
    )
    # No savepoint: a failure anywhere rolls back the caller's whole transaction, which is
    # what every caller wants of a ticket that could not be opened.
    # The ticket and what goes with it (events, the acknowledgement, what the transition
    # handlers start: clocks, the auto-dispatch task) are written in one round trip.
    with transaction.atomic(savepoint=False), batched_inserts():
        ticket = Ticket(
            number=_next_ticket_number(now),
            status=next_status,
            customer=customer,
            appliance=appliance,
            address=address,
            area_id=address.area_id,
            channel=channel,
            service_type_id=kind.code,
            priority=priority,
            fault_class=fault_class,
            fault_description=fault_description.strip(),
            fault_code=(fault_code or "").strip(),
            preferred_start=preferred_start,
            preferred_end=preferred_end,
            in_warranty=verdict.in_warranty,
            warranty_detail=verdict.as_dict(),
            fee_estimate=estimate.total if estimate else None,
            related_ticket=related_ticket,
            created_by=actor,
            created_at=now,
        )
        insert_later([ticket], with_keys=True)
        label = actor_label(actor)
        moved = TicketEvent(
            ticket=ticket,
            kind="status",
            actor=actor,
            actor_label=label,
            from_status=Status.NEW,
            to_status=next_status,
            data={"role": role},
            created_at=now,
        )
        insert_later(
            [
                TicketEvent(
                    ticket=ticket,
                    kind="created",
                    actor=actor,
                    actor_label=label,
                    to_status=Status.NEW,
                    data={
                        "channel": channel,
                        "service_type": kind.code,
                        "priority": priority,
                        "in_warranty": verdict.in_warranty,
                        "fee_estimate": str(estimate.total) if estimate else None,
                        **(
                            {"possible_duplicate_of": possible_duplicate_of.number}
                            if possible_duplicate_of is not None
                            else {}
                        ),
                    },
                    created_at=now,
                ),
                moved,
            ]
        )
        send_sms(
            to=customer.mobile,
            purpose="acknowledgement",
            ticket=ticket,
            body=_acknowledgement(ticket, kind),
        )
        hooks.run_transition_handlers(
            ticket=ticket, from_status=Status.NEW, to_status=next_status, event=moved, actor=actor
        )
    return ticket


def _intake_role(actor) -> str | None:
    if actor is None:
        return None
    roles = roles_of(actor)
    for role in (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.PARTNER):
        if role in roles:
            return role
    return None


def ticket_accept_fee(*, ticket: Ticket, actor, note: str = "") -> Ticket:
    """Record that the customer accepted the estimate; the ticket goes on to dispatch."""
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status != Status.AWAITING_FEE_ACCEPTANCE:
            raise TransitionNotAllowed(
                _("This ticket is not waiting for the customer's fee acceptance."), field="status"
            )
        locked.fee_accepted_at = timezone.now()
        locked.fee_accepted_by = actor
        locked.save(update_fields=["fee_accepted_at", "fee_accepted_by", "updated_at"])
        ticket_event_record(
            ticket=locked,
            kind="fee_accepted",
            actor=actor,
            reason=note,
            data={"fee_estimate": str(locked.fee_estimate)},
        )
        ticket_transition(ticket=locked, to=Status.AWAITING_DISPATCH, actor=actor)
    ticket.refresh_from_db()
    return ticket


def ticket_resolve_remotely(*, ticket: Ticket, actor, guidance: str) -> Ticket:
    """The agent solved it on the phone: the ticket is resolved remotely, a check-back is due
    (the SLA policy's check-back clock starts with the move; the timeline reads it)."""
    if not (guidance or "").strip():
        raise DomainError(_("Record the guidance given."), field="guidance")
    ticket_transition(
        ticket=ticket, to=Status.RESOLVED_REMOTELY, actor=actor, reason=guidance.strip()
    )
    return ticket


def ticket_return_to_queue(*, ticket: Ticket, reason: str, actor=None, data=None) -> None:
    """The default re-dispatcher (no dispatch app installed): back to the queue."""
    ticket_transition(
        ticket=ticket, to=Status.AWAITING_DISPATCH, actor=actor, reason=reason, data=data
    )


def ticket_cancel(*, ticket: Ticket, actor, reason: str) -> Ticket:
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for cancelling."), field="reason")
    ticket_transition(ticket=ticket, to=Status.CANCELLED, actor=actor, reason=reason.strip())
    return ticket
