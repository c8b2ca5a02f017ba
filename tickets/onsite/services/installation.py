"""On an installation: the engineer scans each unit's serial (registering the appliance to
the customer), and records the materials used, of which what lies beyond the fee
schedule's free allowance is charged (consent as for any charge)."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from tickets import masterdata
from tickets.errors import DomainError
from tickets.installation.services import unit_register
from tickets.lifecycle import Status
from tickets.models import Appliance, Ticket
from tickets.onsite.charge_display import quantity_json, quantity_text
from tickets.onsite.models import ChargeLine, quantity_plain
from tickets.services import ticket_event_record

from .charges import _money
from .guards import _locked_job, _require_status, job_require_engineer

MAX_MATERIAL_QUANTITY = ChargeLine.MAX_QUANTITY  # of one material on one job (m, pieces)


def unit_scan(*, ticket: Ticket, engineer_user, serial_number: str, model_number: str) -> Appliance:
    """One scanned (or typed) serial of an installed unit: see `unit_register`. Scanning
    the same serial again changes nothing."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    with transaction.atomic():
        _locked_job(ticket)
        _require_status(ticket, Status.ON_SITE)
        return unit_register(
            ticket=ticket,
            serial_number=serial_number,
            model_number=model_number,
            actor=engineer_user,
        )


def materials_for(ticket: Ticket) -> dict:
    return masterdata.materials(
        service_type=ticket.service_type_id, category=ticket.appliance.category
    )


def material_quantity_parse(value) -> Decimal:
    """A material's quantity used: 0 (none) up to the bound, in at most two decimals
    (pipe and cable are sold by the metre: 4.5 m)."""
    error = DomainError(
        _("Enter a quantity from 0 to %(n)s, with at most two decimals (e.g. 4.5).")
        % {"n": quantity_text(MAX_MATERIAL_QUANTITY)},
        field="quantity",
    )
    if isinstance(value, (bool, float)):
        raise error  # a float is not exact: callers pass a Decimal, an int or text
    try:
        quantity = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise error from None
    if not quantity.is_finite() or not 0 <= quantity <= MAX_MATERIAL_QUANTITY:
        raise error
    if quantity != quantity.quantize(Decimal("0.01")):
        raise error
    return quantity.quantize(Decimal("0.01"))


def material_use_record(
    *, ticket: Ticket, engineer_user, code: str, quantity_used: Decimal | int | str
) -> ChargeLine | None:
    """The whole quantity of a material used on the job (e.g. 6.5 m of copper pipe): what
    is beyond the free allowance is one charge line at the schedule's unit price, whatever
    the warranty (4.5 m with 3 m free charges 1.5 m). Recording it again replaces the
    quantity (a retried submit is the same quantity); within the allowance there is no
    line. Returns the line, or None."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    material = materials_for(ticket).get(code or "")
    if material is None:
        raise DomainError(_("Choose a material from the fee schedule."), field="code")
    quantity_used = material_quantity_parse(quantity_used)
    charged = quantity_plain(max(Decimal(0), quantity_used - material.free_allowance))
    source = f"material:{material.code}"
    unit_label = material.unit_label
    with transaction.atomic():
        _locked_job(ticket)
        _require_status(ticket, Status.ON_SITE)
        line = None
        if charged == 0:
            ChargeLine.objects.filter(ticket=ticket, source=source).delete()
        else:
            description = _("%(name)s: %(used)s %(unit)s used, %(free)s %(unit)s free") % {
                "name": material.name,
                "used": quantity_text(quantity_used),
                "unit": unit_label,
                "free": quantity_text(material.free_allowance),
            }
            price = Decimal(material.unit_price)
            line, _created = ChargeLine.objects.update_or_create(
                ticket=ticket,
                source=source,
                defaults={
                    "kind": ChargeLine.Kind.MATERIAL,
                    "description": description[:200],
                    "quantity": charged,
                    "unit": material.unit,
                    "list_price": price,
                    "amount": price,
                    "free": False,
                    "free_reason": "",
                    "free_detail": {},
                },
            )
        ticket_event_record(
            ticket=ticket,
            kind="material_used",
            actor=engineer_user,
            data={
                "material": material.code,
                "used": quantity_json(quantity_used),
                "free_allowance": material.free_allowance,
                "charged": quantity_json(charged),
                "unit_price": _money(Decimal(material.unit_price)),
            },
        )
    return line
