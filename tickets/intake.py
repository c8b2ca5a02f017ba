"""Intake: how a service request (repair, installation, ...) becomes a ticket, the same
rules for every channel.

The agent console, the partner API (retailer portals, stores, the web self-service form)
and IoT alarms call these; the pages and the API only parse and render.

- A caller is found by mobile number: one customer per number (the `uniq_customer_mobile`
  constraint), unless a second record on it was made deliberately, with a reason.
- An appliance is found by serial number: one record per serial (`uniq_appliance_serial`);
  putting it on another customer is a recorded transfer.
- An appliance with an open ticket: the channel that opened it gets that ticket back;
  another channel's new ticket is flagged as a possible duplicate, and the console asks
  the agent to confirm first.

Find-or-create is decided by those constraints, not by looking first: two requests that
register the same new caller at once both insert, the constraint refuses the second, and
`intake_atomic` runs it again, now finding the first one's rows. Work on an appliance
that is on file holds its row lock, so the open-ticket rule cannot be raced either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from .choices import Channel, FaultClass, Priority
from .errors import DomainError, NotFound
from .event_kinds import EventKind
from .inserts import batched_inserts, insert_later
from .models import (
    Address,
    Appliance,
    ApplianceTransfer,
    Customer,
    IdempotencyKey,
    ServiceArea,
    Ticket,
)
from .services import (
    appliance_create,
    customer_create,
    phone_normalize,
    ticket_create,
    ticket_event_record,
)

# Unique constraints that decide a find-or-create race: the loser runs again.
FIND_OR_CREATE_CONSTRAINTS = frozenset({"uniq_customer_mobile", "uniq_appliance_serial"})
ATTEMPTS = 3

# Fault codes that mean a safety risk (gas, smoke, sparks, water on power): emergency.
EMERGENCY_CODE_PREFIXES = ("SAFE-",)
EMERGENCY_CODES = frozenset({"GAS", "GAS-LEAK", "SMOKE", "SPARK", "FIRE", "LEAK-POWER"})


class CustomerOnFile(DomainError):
    """The mobile number already finds a customer: add to them, or give a reason."""

    status_code = 409
    default_code = "customer_on_file"

    def __init__(self, message, *, customer: Customer):
        super().__init__(message, field="mobile")
        self.customer = customer


class SerialOnFile(DomainError):
    status_code = 409
    default_code = "serial_on_file"

    def __init__(self, message, *, appliance: Appliance):
        super().__init__(message, field="serial_number")
        self.appliance = appliance


class DuplicateOpenTicket(DomainError):
    status_code = 409
    default_code = "duplicate_open_ticket"

    def __init__(self, message, *, tickets: list[Ticket]):
        super().__init__(message, field="confirm_duplicate")
        self.tickets = tickets


@dataclass(frozen=True)
class IntakeResult:
    ticket: Ticket
    created: bool  # False: the caller's own open ticket, returned
    possible_duplicate: bool  # opened while the appliance had another open ticket
    verdict_visible: bool  # the caller may see the warranty verdict (its own appliance)


def constraint_of(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def intake_atomic(create):
    """Run `create(retrying=...)` in one transaction whose inserts go together
    (`batched_inserts`); when a find-or-create constraint refuses it, run it again from
    the start with `retrying=True` (a concurrent request registered the same customer or
    appliance an instant before, or the serial number is another customer's)."""
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic(), batched_inserts():
                return create(retrying=attempt > 0)
        except IntegrityError as exc:
            if attempt + 1 == ATTEMPTS or constraint_of(exc) not in FIND_OR_CREATE_CONSTRAINTS:
                raise
    raise AssertionError("unreachable")


def idempotency_key_record(*, client, key: str, request_hash: str, ticket: Ticket) -> None:
    """The create request's key, written with the ticket's rows (in the same round trip
    inside `intake_atomic`); a second request with the key is refused by its constraint."""
    insert_later([IdempotencyKey(client=client, key=key, request_hash=request_hash, ticket=ticket)])


# --- customers ------------------------------------------------------------------------------


def customer_on_file(mobile: str) -> Customer | None:
    """The customer this number finds (not a deliberate second record on it)."""
    return Customer.objects.filter(mobile=mobile, duplicate_reason="").first()


def customer_register(
    *,
    name: str,
    mobile: str,
    address_line: str,
    area: ServiceArea,
    duplicate_reason: str = "",
    lat: float | None = None,
    lng: float | None = None,
) -> tuple[Customer, Address]:
    """A new customer from the desk. A number on file raises `CustomerOnFile` carrying that
    customer (also when another registration of it wins a race), unless `duplicate_reason`
    says why this is a second record on it."""
    mobile = phone_normalize(mobile)
    if not duplicate_reason:
        existing = customer_on_file(mobile)
        if existing is not None:
            raise _on_file(existing)
    try:
        with transaction.atomic():
            return customer_create(
                name=name,
                mobile=mobile,
                address_line=address_line,
                area=area,
                lat=lat,
                lng=lng,
                duplicate_reason=duplicate_reason,
            )
    except IntegrityError as exc:
        if constraint_of(exc) != "uniq_customer_mobile":
            raise
        raise _on_file(customer_on_file(mobile)) from None


def _on_file(customer: Customer) -> CustomerOnFile:
    return CustomerOnFile(_("A customer with this mobile number is on file."), customer=customer)


def customer_address_add(
    *, customer: Customer, line: str, area: ServiceArea, contact_name: str = ""
) -> Address:
    """Another address of a customer on file (a second home, a relative's flat), the same
    line in the same area given twice is the one address."""
    line = (line or "").strip()
    if not line:
        raise DomainError(_("Enter the address."), field="address_line")
    contact_name = (contact_name or "").strip()
    if contact_name == customer.name:
        contact_name = ""
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        address = Address.objects.filter(customer=customer, line=line, area=area).first()
        if address is None:
            address = Address.objects.create(
                customer=customer,
                line=line,
                area=area,
                contact_name=contact_name[:100],
                is_default=not customer.addresses.exists(),
            )
        elif address.needs_confirmation:
            address.needs_confirmation = False
            address.save(update_fields=["needs_confirmation"])
    return address


def area_suggested(address_line: str, areas) -> ServiceArea | None:
    """The area an address names: the area whose name appears in it (the longest such),
    else the only area of a city it names. A suggestion for the agent, never a default."""
    text = re.sub(r"\s+", "", (address_line or "")).casefold()
    if not text:
        return None
    areas = list(areas)
    named = [a for a in areas if a.name and re.sub(r"\s+", "", a.name).casefold() in text]
    if named:
        return max(named, key=lambda a: len(a.name))
    by_city = [a for a in areas if a.city and re.sub(r"\s+", "", a.city).casefold() in text]
    return by_city[0] if len(by_city) == 1 else None


# --- appliances -----------------------------------------------------------------------------


def appliance_on_file(serial_number: str, *, lock: bool = False) -> Appliance | None:
    serial = (serial_number or "").strip()
    if not serial:
        return None
    qs = Appliance.objects.filter(serial_number__iexact=serial).exclude(serial_number="")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.select_related("customer").first()


def appliance_register(*, customer: Customer, actor=None, **fields) -> Appliance:
    """A new appliance of a customer from the desk. A serial number on file raises
    `SerialOnFile` with that appliance (the agent may transfer it)."""
    existing = appliance_on_file(fields.get("serial_number", ""))
    if existing is not None:
        raise _serial_on_file(existing, customer)
    try:
        with transaction.atomic():
            return appliance_create(customer=customer, **fields)
    except IntegrityError as exc:
        if constraint_of(exc) != "uniq_appliance_serial":
            raise
        raise _serial_on_file(appliance_on_file(fields["serial_number"]), customer) from None


def _serial_on_file(appliance: Appliance, customer: Customer) -> SerialOnFile:
    if appliance.customer_id == customer.pk:
        message = _("This customer already has an appliance with this serial number.")
    else:
        message = _(
            "An appliance with this serial number is registered to another customer. "
            "Transfer it to this customer if it changed hands."
        )
    return SerialOnFile(message, appliance=appliance)


def appliance_transfer(*, appliance: Appliance, to_customer: Customer, reason: str, actor):
    """Put an appliance on another customer, recorded with who did it and why. Its tickets
    stay with the customer they were opened for."""
    if reason not in ApplianceTransfer.Reason.values:
        raise DomainError(_("Choose why the appliance changes hands."), field="transfer_reason")
    with transaction.atomic():
        locked = Appliance.objects.select_for_update().get(pk=appliance.pk)
        if locked.customer_id == to_customer.pk:
            raise DomainError(_("The appliance is already this customer's."), field="serial_number")
        ApplianceTransfer.objects.create(
            appliance=locked,
            from_customer_id=locked.customer_id,
            to_customer=to_customer,
            reason=reason,
            actor=actor,
        )
        locked.customer = to_customer
        locked.save(update_fields=["customer"])
    appliance.customer = to_customer
    return locked


# --- tickets --------------------------------------------------------------------------------


def _open_tickets(appliance: Appliance) -> list[Ticket]:
    return list(Ticket.objects.open().filter(appliance=appliance).order_by("-created_at")[:5])


def intake_from_console(
    *, appliance: Appliance, actor, confirm_duplicate: bool = False, **ticket_fields
) -> Ticket:
    """An agent opens a ticket for an appliance on the phone. With another ticket of the
    appliance open, `DuplicateOpenTicket` asks the agent to confirm; confirmed, the new
    ticket is flagged."""
    with transaction.atomic():
        locked = Appliance.objects.select_for_update().select_related("customer")
        locked = locked.get(pk=appliance.pk)
        open_tickets = _open_tickets(locked)
        if open_tickets and not confirm_duplicate:
            raise DuplicateOpenTicket(
                _("This appliance already has an open ticket. Tick the box to open another."),
                tickets=open_tickets,
            )
        return ticket_create(
            customer=locked.customer,
            appliance=locked,
            actor=actor,
            possible_duplicate_of=open_tickets[0] if open_tickets else None,
            **ticket_fields,
        )


def _proposed_address(*, customer: Customer, line: str, area, lat, lng, actor) -> Address:
    """The address a partner gives for this ticket: one of the customer's, or a new one
    marked for an agent to confirm (a partner never changes a customer's record)."""
    line = line.strip()
    address = (
        Address.objects.filter(customer=customer, line=line, area=area)
        .filter(Q(needs_confirmation=False) | Q(proposed_by=actor))
        .order_by("needs_confirmation", "id")
        .first()
    )
    if address is None:
        address = Address.objects.create(
            customer=customer,
            line=line,
            area=area,
            lat=lat,
            lng=lng,
            is_default=False,
            needs_confirmation=True,
            proposed_by=actor,
        )
    return address


def _partner_appliance(*, customer: Customer | None, data: dict, actor) -> Appliance | None:
    """The appliance on file for this request, locked: by serial number (any case), else
    the customer's one of this brand and model without a serial number."""
    serial = (data.get("serial_number") or "").strip()
    if serial:
        appliance = appliance_on_file(serial, lock=True)
        if appliance is not None and (customer is None or appliance.customer_id != customer.pk):
            # Nothing of the other customer is told: only that an agent must look.
            raise SerialOnFile(
                _(
                    "This serial number is registered to another customer. An agent must "
                    "transfer the appliance before a ticket can be opened for it."
                ),
                appliance=appliance,
            )
        return appliance
    if customer is None:
        return None
    return (
        Appliance.objects.select_for_update()
        .filter(
            customer=customer,
            category=data["category"],
            serial_number="",
            brand=data["brand"].strip(),
            model_number=data["model"].strip(),
        )
        .order_by("id")
        .first()
    )


def intake_from_partner(*, data: dict, actor, retrying: bool = False) -> IntakeResult:
    """A request from a partner system (retailer portal, store, web self-service): find
    the customer by mobile and the appliance by serial number or register them, then
    open the ticket, or return the open one this partner opened for that appliance.
    Run it through `intake_atomic`."""
    area = data["area_code"]
    customer = customer_on_file(data["mobile"])
    appliance = None
    if customer is None:
        if retrying:
            # The first attempt's new appliance was refused: its serial number is on file
            # under another customer (a new caller's are learned of from the constraint,
            # which saves every new caller a look-up).
            _partner_appliance(customer=None, data=data, actor=actor)
        customer, address = customer_create(
            name=data["customer_name"],
            mobile=data["mobile"],
            address_line=data["address_line"],
            area=area,
            lat=data.get("lat"),
            lng=data.get("lng"),
        )
    else:
        address = _proposed_address(
            customer=customer,
            line=data["address_line"],
            area=area,
            lat=data.get("lat"),
            lng=data.get("lng"),
            actor=actor,
        )
        appliance = _partner_appliance(customer=customer, data=data, actor=actor)
    if appliance is None:
        appliance = appliance_create(
            customer=customer,
            category=data["category"],
            brand=data["brand"],
            model_number=data["model"],
            serial_number=data.get("serial_number") or "",
            purchase_date=data.get("purchase_date"),
            purchase_channel=data["purchase_channel"],
            registered_by=actor,
            batched=True,
        )
        open_tickets = []
    else:
        if (
            actor is not None
            and appliance.registered_by_id == actor.pk
            and appliance.purchase_date is None
            and data.get("purchase_date")
        ):
            # The partner's own record lacked the date the warranty verdict needs.
            appliance.purchase_date = data["purchase_date"]
            appliance.save(update_fields=["purchase_date"])
        open_tickets = _open_tickets(appliance)
        own = None
        if actor is not None:
            own = next((t for t in open_tickets if t.created_by_id == actor.pk), None)
        if own is not None:
            return IntakeResult(
                ticket=own,
                created=False,
                possible_duplicate=len(open_tickets) > 1,
                verdict_visible=appliance.registered_by_id == actor.pk,
            )
    ticket = ticket_create(
        customer=customer,
        appliance=appliance,
        address=address,
        channel=data["channel"],
        service_type=data.get("service_type", "repair"),
        fault_description=data["fault_description"],
        priority=data["priority"],
        fault_class=data["fault_class"],
        preferred_start=data.get("preferred_start"),
        preferred_end=data.get("preferred_end"),
        possible_duplicate_of=open_tickets[0] if open_tickets else None,
        actor=actor,
    )
    return IntakeResult(
        ticket=ticket,
        created=True,
        possible_duplicate=bool(open_tickets),
        verdict_visible=actor is not None and appliance.registered_by_id == actor.pk,
    )


def intake_from_web(*, data: dict, retrying: bool = False) -> IntakeResult:
    """The customer's own request on the public form (any service type): the partner
    rules with no partner. Every request opens a ticket (one open for the appliance
    flags it for an agent), nothing on file is changed, and nothing of it is shown: the
    tracking link goes by SMS to the mobile number given. Run it through `intake_atomic`."""
    return intake_from_partner(data={**data, "channel": Channel.WEB}, actor=None, retrying=retrying)


def intake_from_one_stop_check(
    *, visit_ticket: Ticket, appliance: Appliance, description: str, engineer_user
) -> Ticket:
    """A problem the engineer found on another appliance of the household during a visit
    (一站式通检) opens a repair ticket of that appliance, linked to the visit
    (`related_ticket`). The product opens it (the engineer's role opens no tickets at the
    desk); the engineer stands on the link's events. Call holding the visit's row lock."""
    locked = Appliance.objects.select_for_update().get(pk=appliance.pk)
    if locked.customer_id != visit_ticket.customer_id:
        raise DomainError(_("The appliance does not belong to this customer."), field="appliance")
    open_tickets = _open_tickets(locked)
    ticket = ticket_create(
        customer=visit_ticket.customer,
        appliance=locked,
        address=visit_ticket.address,
        channel=Channel.ENGINEER_VISIT,
        service_type="repair",
        fault_description=description,
        related_ticket=visit_ticket,
        possible_duplicate_of=open_tickets[0] if open_tickets else None,
        actor=None,
    )
    ticket_event_record(
        ticket=ticket,
        kind="opened_from_one_stop_check",
        actor=engineer_user,
        data={"visit_ticket": visit_ticket.number, "visit_ticket_id": visit_ticket.pk},
    )
    return ticket


def alarm_priority(fault_code: str) -> str:
    code = fault_code.upper()
    if code.startswith(EMERGENCY_CODE_PREFIXES) or code in EMERGENCY_CODES:
        return Priority.EMERGENCY
    return Priority.NORMAL


def _may_raise_alarms(appliance: Appliance, actor) -> bool:
    if actor is None:
        return True
    if appliance.registered_by_id == actor.pk:
        return True
    return appliance.device_platforms.filter(pk=actor.pk).exists()


def intake_from_alarm(*, data: dict, actor, retrying: bool = False) -> IntakeResult:
    """An IoT alarm opens a ticket for the appliance with this serial number (any case),
    if the calling platform is connected to it or registered it: otherwise it is the
    same 404 as an unknown serial. The same alarm from the same platform while its ticket
    is open returns that ticket (noted on its timeline)."""
    serial = data["serial_number"].strip()
    appliance = appliance_on_file(serial, lock=True)
    if appliance is None or not _may_raise_alarms(appliance, actor):
        raise NotFound(
            _("No appliance has the serial number %(serial)s.") % {"serial": serial},
            field="serial_number",
        )
    code = data["fault_code"].strip().upper()
    open_tickets = _open_tickets(appliance)
    repeated = next(
        (
            t
            for t in open_tickets
            if t.channel == Channel.IOT_ALARM
            and t.fault_code == code
            and t.created_by_id == (actor.pk if actor else None)
        ),
        None,
    )
    visible = actor is None or appliance.registered_by_id == actor.pk
    if repeated is not None:
        ticket_event_record(
            ticket=repeated,
            kind=EventKind.ALARM_REPEATED,
            actor=actor,
            data={"fault_code": code, "description": data.get("description", "")},
        )
        return IntakeResult(
            ticket=repeated,
            created=False,
            possible_duplicate=len(open_tickets) > 1,
            verdict_visible=visible,
        )
    description = (data.get("description") or "").strip() or _(
        "Alarm %(code)s from the connected appliance."
    ) % {"code": code}
    ticket = ticket_create(
        customer=appliance.customer,
        appliance=appliance,
        channel=Channel.IOT_ALARM,
        fault_description=description,
        fault_code=code,
        priority=alarm_priority(code),
        fault_class=FaultClass.STANDARD,
        possible_duplicate_of=open_tickets[0] if open_tickets else None,
        actor=actor,
    )
    return IntakeResult(
        ticket=ticket,
        created=True,
        possible_duplicate=bool(open_tickets),
        verdict_visible=visible,
    )
