"""Installation: a retailer's delivery opens one installation ticket per order, and the
engineer's scanned serials register the installed units to the customer.

A repeated delivery (the retailer's retry, or two of its workers racing) is decided by the
`uniq_delivery_order` constraint: the first insert of (partner, order number) wins, the
other waits on the unique index until the winner commits and then answers with the
winner's ticket. The ticket takes the same intake path as any other (`ticket_create`)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.choices import Channel, FaultClass, Priority, PurchaseChannel
from tickets.errors import Conflict, DomainError
from tickets.intake import (
    IntakeResult,
    _proposed_address,
    appliance_on_file,
    constraint_of,
    customer_on_file,
)
from tickets.models import Appliance, ServiceKind, Ticket
from tickets.services import appliance_create, customer_create, ticket_create, ticket_event_record

from .models import Delivery, DeliveryLine

# The installation window offered after a delivery: the next day, office hours, in the
# operator's time zone. A partner may send its own window (not before the delivery day).
WINDOW_START_HOUR = 9
WINDOW_END_HOUR = 18
SERIAL_RE = re.compile(r"^[A-Z0-9][A-Z0-9/._-]{2,63}$")


def _local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(settings.TIME_ZONE))


def installation_window(delivery_date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    day = delivery_date + dt.timedelta(days=1)
    return _local(day, WINDOW_START_HOUR), _local(day, WINDOW_END_HOUR)


def _description(data: dict) -> str:
    products = ", ".join(f"{p['quantity']} × {p['model']}" for p in data["products"])
    return _("Installation of delivered order %(order)s (delivered %(day)s): %(products)s") % {
        "order": data["order_number"],
        "day": data["delivery_date"].isoformat(),
        "products": products,
    }


def _existing_result(*, partner, order_number: str) -> IntakeResult:
    delivery = Delivery.objects.select_related("ticket").get(
        partner=partner, order_number=order_number
    )
    return IntakeResult(
        ticket=delivery.ticket, created=False, possible_duplicate=False, verdict_visible=True
    )


def intake_from_delivery(*, data: dict, actor, retrying: bool = False) -> IntakeResult:
    """A retailer delivered products that need installing: the customer (found by mobile,
    or registered), one appliance record for the order (its serials are scanned on site)
    and one installation ticket, an appointment for the window after delivery. The same
    order again returns that ticket. Run it through `tickets.intake.intake_atomic`."""
    order_number = data["order_number"]
    # The claim first: a second delivery of the order stops here, before writing anything.
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                partner=actor, order_number=order_number, delivery_date=data["delivery_date"]
            )
    except IntegrityError as exc:
        if constraint_of(exc) != "uniq_delivery_order":
            raise
        return _existing_result(partner=actor, order_number=order_number)
    DeliveryLine.objects.bulk_create(
        [
            DeliveryLine(
                delivery=delivery,
                category=p["category"],
                model_code=p["model"],
                quantity=p["quantity"],
                position=i,
            )
            for i, p in enumerate(data["products"])
        ]
    )
    customer = customer_on_file(data["mobile"])
    if customer is None:
        customer, address = customer_create(
            name=data["customer_name"],
            mobile=data["mobile"],
            address_line=data["address_line"],
            area=data["area_code"],
            lat=data.get("lat"),
            lng=data.get("lng"),
        )
    else:
        address = _proposed_address(
            customer=customer,
            line=data["address_line"],
            area=data["area_code"],
            lat=data.get("lat"),
            lng=data.get("lng"),
            actor=actor,
        )
    first = data["products"][0]
    appliance = appliance_create(
        customer=customer,
        category=first["category"],
        brand=data["brand"],
        model_number=first["model"],
        purchase_date=data.get("purchase_date") or data["delivery_date"],
        purchase_channel=PurchaseChannel.RETAILER_DELIVERY,
        registered_by=actor,
    )
    appliance.delivery = delivery
    appliance.save(update_fields=["delivery"])
    start, end = data.get("preferred_start"), data.get("preferred_end")
    if start is None:
        start, end = installation_window(data["delivery_date"])
    ticket = ticket_create(
        customer=customer,
        appliance=appliance,
        address=address,
        channel=Channel.PARTNER_API,
        service_type="installation",
        fault_description=_description(data),
        priority=Priority.APPOINTMENT,
        fault_class=FaultClass.STANDARD,
        preferred_start=start,
        preferred_end=end,
        actor=actor,
    )
    Delivery.objects.filter(pk=delivery.pk).update(ticket=ticket)
    delivery.ticket = ticket
    return IntakeResult(ticket=ticket, created=True, possible_duplicate=False, verdict_visible=True)


# --- on site: the serials of the installed units -------------------------------------------


def serial_normalize(raw: str) -> str:
    serial = re.sub(r"\s+", "", raw or "").upper()
    if not serial:
        raise DomainError(_("Scan or type the unit's serial number."), field="serial_number")
    if not SERIAL_RE.match(serial):
        raise DomainError(
            _("A serial number has 3 to 64 letters, digits and - / . _ only."),
            field="serial_number",
        )
    return serial


def units_installed(ticket: Ticket) -> list[Appliance]:
    return list(Appliance.objects.filter(installation_ticket=ticket).order_by("installed_on", "id"))


def units_expected(ticket: Ticket) -> list[tuple[str, str, int]]:
    """(category, model, quantity) of what is to be installed: the delivery's products,
    else the ticket's appliance, one unit."""
    delivery = Delivery.objects.filter(ticket=ticket).first()
    if delivery is not None:
        return [(line.category, line.model_code, line.quantity) for line in delivery.lines.all()]
    return [(ticket.appliance.category, ticket.appliance.model_number, 1)]


def units_missing(ticket: Ticket) -> int:
    expected = sum(q for _c, _m, q in units_expected(ticket))
    return max(0, expected - Appliance.objects.filter(installation_ticket=ticket).count())


def is_installation(ticket: Ticket) -> bool:
    from tickets import masterdata

    kind = masterdata.service_type(ticket.service_type_id)
    return kind is not None and kind.kind == ServiceKind.INSTALLATION


MAX_UNITS_WITHOUT_DELIVERY = 10


def _room_for_another_unit(ticket: Ticket, expected) -> None:
    """A delivery's units are as many as it lists; without one (the customer asked for the
    installation), a few units on one visit (an indoor and an outdoor unit, ...)."""
    limit = (
        sum(q for _c, _m, q in expected)
        if Delivery.objects.filter(ticket=ticket).exists()
        else MAX_UNITS_WITHOUT_DELIVERY
    )
    if Appliance.objects.filter(installation_ticket=ticket).count() >= limit:
        raise Conflict(
            _("All %(n)d units of this installation are registered.") % {"n": limit},
            field="serial_number",
        )


class SerialOnOtherCustomer(Conflict):
    default_code = "serial_on_file"


def unit_register(*, ticket: Ticket, serial_number: str, model_number: str, actor) -> Appliance:
    """Register one installed unit by its scanned serial: one appliance record per serial.
    The ticket's own record takes the first serial; later units get records of their own,
    with the same purchase channel and delivery. A serial already on this customer is that
    appliance, now installed; on another customer it is refused (the desk transfers it).
    Call holding the ticket's row lock, in the on-site job's status."""
    if not is_installation(ticket):
        raise DomainError(_("Only an installation registers units."), field="serial_number")
    serial = serial_normalize(serial_number)
    expected = units_expected(ticket)
    models = {m: c for c, m, _q in expected}
    model_number = (model_number or "").strip()
    if model_number not in models:
        raise DomainError(_("Choose the model of the unit."), field="model_number")
    today = timezone.localdate()
    existing = appliance_on_file(serial, lock=True)
    if not (existing is not None and existing.installation_ticket_id == ticket.pk):
        _room_for_another_unit(ticket, expected)
    if existing is not None:
        if existing.customer_id != ticket.customer_id:
            raise SerialOnOtherCustomer(
                _(
                    "Serial %(serial)s is registered to another customer. Check the serial; "
                    "if the unit changed hands, the desk must transfer it first."
                )
                % {"serial": serial},
                field="serial_number",
            )
        if existing.installation_ticket_id == ticket.pk:
            return existing  # scanned twice
        if existing.installation_ticket_id is not None:
            raise Conflict(
                _("Serial %(serial)s was installed on another ticket.") % {"serial": serial},
                field="serial_number",
            )
        existing.installation_ticket = ticket
        existing.installed_on = today
        existing.save(update_fields=["installation_ticket", "installed_on"])
        appliance = existing
    else:
        own = Appliance.objects.select_for_update().get(pk=ticket.appliance_id)
        if own.serial_number == "" and own.installation_ticket_id is None:
            appliance = own
            appliance.serial_number = serial
            appliance.model_number = model_number
            appliance.category = models[model_number]
        else:
            appliance = Appliance(
                customer_id=ticket.customer_id,
                category=models[model_number],
                brand=own.brand,
                model_number=model_number,
                serial_number=serial,
                purchase_date=own.purchase_date,
                purchase_channel=own.purchase_channel,
                registered_by=own.registered_by,
                delivery_id=own.delivery_id,
            )
        appliance.installation_ticket = ticket
        appliance.installed_on = today
        try:
            with transaction.atomic():
                appliance.save()
        except IntegrityError as exc:
            if constraint_of(exc) != "uniq_appliance_serial":
                raise
            raise Conflict(
                _("Serial %(serial)s was registered a moment ago: scan it again.")
                % {"serial": serial},
                field="serial_number",
            ) from None
    ticket_event_record(
        ticket=ticket,
        kind="unit_installed",
        actor=actor,
        data={
            "appliance_id": appliance.pk,
            "serial_number": serial,
            "model": model_number,
            "installed_on": today.isoformat(),
        },
    )
    return appliance


def delivery_for(ticket: Ticket) -> Delivery | None:
    return Delivery.objects.filter(ticket=ticket).select_related("partner").first()
