"""一站式通检 (the one-stop check): on any visit the engineer checks the household's other
appliances of the brand and records each with a result; a problem opens a linked repair
ticket through the intake service."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tickets.choices import ApplianceCategory
from tickets.errors import Conflict, DomainError
from tickets.installation.services import serial_normalize
from tickets.intake import appliance_on_file, intake_from_one_stop_check
from tickets.lifecycle import Status
from tickets.models import Appliance, Ticket
from tickets.onsite.models import OneStopCheck
from tickets.services import appliance_create, ticket_event_record

from .guards import _locked_job, _require_status, job_require_engineer


def household_appliances(ticket: Ticket) -> list[Appliance]:
    """The customer's other appliances in use: what the engineer may check."""
    return list(
        Appliance.objects.filter(customer_id=ticket.customer_id, state="in_use")
        .exclude(pk=ticket.appliance_id)
        .exclude(installation_ticket=ticket)
        .order_by("category", "id")
    )


def _appliance_for_check(
    *, ticket: Ticket, appliance_id, category: str, model_number: str, serial_number: str
) -> Appliance:
    if appliance_id:
        appliance = Appliance.objects.filter(pk=appliance_id, customer_id=ticket.customer_id)
        appliance = appliance.first()
        if appliance is None:
            raise DomainError(_("Choose one of the household's appliances."), field="appliance")
        return appliance
    if category not in ApplianceCategory.values:
        raise DomainError(_("Choose the category."), field="category")
    if not (model_number or "").strip():
        raise DomainError(_("Enter the model."), field="model_number")
    serial = serial_normalize(serial_number) if (serial_number or "").strip() else ""
    if serial:
        existing = appliance_on_file(serial, lock=True)
        if existing is not None:
            if existing.customer_id != ticket.customer_id:
                raise Conflict(
                    _(
                        "Serial %(serial)s is registered to another customer: the desk must "
                        "transfer it first."
                    )
                    % {"serial": serial},
                    field="serial_number",
                )
            return existing
    try:
        with transaction.atomic():
            return appliance_create(
                customer=ticket.customer,
                category=category,
                brand=ticket.appliance.brand,
                model_number=model_number[:64],
                serial_number=serial,
            )
    except IntegrityError:
        raise Conflict(
            _("Serial %(serial)s was registered a moment ago: try again.") % {"serial": serial},
            field="serial_number",
        ) from None


def one_stop_check_record(
    *,
    ticket: Ticket,
    engineer_user,
    result: str,
    note: str = "",
    appliance_id: int | None = None,
    category: str = "",
    model_number: str = "",
    serial_number: str = "",
) -> OneStopCheck:
    """Another appliance of the household checked on this visit: one on file
    (`appliance_id`) or one registered now (category, model, optional serial). A problem
    needs a description and opens a repair ticket linked both ways. One check per
    appliance per visit: a retried submit returns the first."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    if result not in OneStopCheck.Result.values:
        raise DomainError(_("Choose the result."), field="result")
    note = (note or "").strip()
    if result == OneStopCheck.Result.PROBLEM and not note:
        raise DomainError(_("Describe the problem found."), field="note")
    if len(note) > OneStopCheck.NOTE_MAX:
        raise DomainError(
            _("Keep the note under %(n)d characters.") % {"n": OneStopCheck.NOTE_MAX},
            field="note",
        )
    with transaction.atomic():
        _locked_job(ticket)
        _require_status(ticket, Status.ON_SITE)
        appliance = _appliance_for_check(
            ticket=ticket,
            appliance_id=appliance_id,
            category=category,
            model_number=model_number,
            serial_number=serial_number,
        )
        if appliance.pk == ticket.appliance_id:
            raise DomainError(
                _("This is the appliance of the visit: check the household's others."),
                field="appliance",
            )
        existing = OneStopCheck.objects.filter(ticket=ticket, appliance=appliance).first()
        if existing is not None:
            return existing
        check = OneStopCheck.objects.create(
            ticket=ticket, appliance=appliance, result=result, note=note, engineer=engineer_user
        )
        if result == OneStopCheck.Result.PROBLEM:
            repair = intake_from_one_stop_check(
                visit_ticket=ticket,
                appliance=appliance,
                description=note,
                engineer_user=engineer_user,
            )
            check.repair_ticket = repair
            check.save(update_fields=["repair_ticket"])
        ticket_event_record(
            ticket=ticket,
            kind="one_stop_check",
            actor=engineer_user,
            data={
                "appliance_id": appliance.pk,
                "result": result,
                "repair_ticket": check.repair_ticket.number if check.repair_ticket else None,
            },
        )
    return check
