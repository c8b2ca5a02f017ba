"""Parts used on a job, with the genuine-part check for serialized parts. The van's stock
is consumed when the job completes (`consumption.job_parts_consume`)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.errors import DomainError, TransitionNotAllowed
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite.services import charge_line_add_part, charged_work_check, job_require_engineer
from tickets.services import ticket_event_record

from ..models import Alert, Part, PartUsage, SerialUnit
from ..selectors import part_get_by_sku

PART_USE_STATUSES = (Status.ON_SITE, Status.CARRIED_IN)


def part_usage_record(
    *,
    ticket: Ticket,
    engineer_user,
    sku: str,
    serial_or_batch: str,
    old_part_serial: str = "",
    quantity: int = 1,
    scanned: bool = False,
    request_key: str,
) -> PartUsage:
    """Record a part fitted on the job, with its serial or batch number and the old part's
    serial (for the return). Out of warranty it adds a charge line at catalogue price, so the
    customer's consent must come first. A retried submit (same request_key) returns the first
    record."""
    job_require_engineer(ticket=ticket, engineer_user=engineer_user)
    part: Part | None = part_get_by_sku(sku)
    if part is None:
        raise DomainError(_("No part with this SKU in the catalogue."), field="sku")
    serial_or_batch = (serial_or_batch or "").strip().upper()
    if not serial_or_batch:
        raise DomainError(_("Enter or scan the part's serial or batch number."), field="serial")
    if len(serial_or_batch) > 64:
        raise DomainError(_("The serial or batch number is too long."), field="serial")
    if not 1 <= int(quantity) <= 20:
        raise DomainError(_("Quantity must be between 1 and 20."), field="quantity")
    if not request_key:
        raise DomainError(_("The form expired; open it again."), field="request_key")
    existing = PartUsage.objects.filter(ticket=ticket, request_key=request_key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            locked = (
                Ticket.objects.select_for_update().select_related("appliance").get(pk=ticket.pk)
            )
            if locked.status not in PART_USE_STATUSES:
                raise TransitionNotAllowed(
                    _("Parts can be recorded only on site or during a carry-in repair."),
                    field="status",
                )
            charged_work_check(ticket=locked)
            usage = PartUsage.objects.create(
                ticket=locked,
                part=part,
                engineer=engineer_user,
                serial_or_batch=serial_or_batch,
                scanned=bool(scanned),
                old_part_serial=(old_part_serial or "").strip().upper()[:64],
                is_original=part.is_original,
                warranty_months=part.warranty_months,
                unit_price=part.price,
                quantity=int(quantity),
                request_key=request_key[:64],
            )
            genuine = _genuine_check(ticket=locked, part=part, serial=serial_or_batch)
            if genuine is not None:
                usage.genuine = genuine
                usage.save(update_fields=["genuine"])
            charge_line_add_part(
                ticket=locked,
                description=f"{part.sku} {part.name}",
                list_price=part.price,
                quantity=usage.quantity,
                source=f"part_usage:{usage.pk}",
            )
            ticket_event_record(
                ticket=locked,
                kind="part_used",
                actor=engineer_user,
                data={
                    "part_usage_id": usage.pk,
                    "sku": part.sku,
                    "serial_or_batch": serial_or_batch,
                    "old_part_serial": usage.old_part_serial,
                    "original": part.is_original,
                    "warranty_months": part.warranty_months,
                    "quantity": usage.quantity,
                    "fits_model": part.fits(locked.appliance.model_number),
                    "genuine": usage.genuine,
                },
            )
            if usage.genuine is False:
                ticket_event_record(
                    ticket=locked,
                    kind="part_serial_unknown",
                    actor=engineer_user,
                    data={"sku": part.sku, "serial": serial_or_batch},
                )
    except IntegrityError:
        # The same submit raced itself: the first one won.
        return PartUsage.objects.get(ticket=ticket, request_key=request_key)
    return usage


def _genuine_check(*, ticket: Ticket, part: Part, serial: str) -> bool | None:
    """For a serialized part: True when the network received this serial and it is not
    fitted elsewhere (it is marked fitted on this job); False (flagged) otherwise."""
    if not part.serialized:
        return None
    claimed = SerialUnit.objects.filter(part=part, serial=serial, fitted_on__isnull=True).update(
        fitted_on=ticket, fitted_at=timezone.now()
    )
    if claimed:
        return True
    unit = SerialUnit.objects.filter(part=part, serial=serial).first()
    if unit is not None and unit.fitted_on_id == ticket.pk:
        return True
    kind = Alert.Kind.SERIAL_UNKNOWN if unit is None else Alert.Kind.SERIAL_REUSED
    Alert.objects.bulk_create(
        [
            Alert(
                kind=kind,
                part=part,
                ticket=ticket,
                subject=f"{ticket.pk}:{part.pk}:{serial}",
                data={
                    "serial": serial,
                    "fitted_on": unit.fitted_on_id if unit is not None else None,
                },
            )
        ],
        ignore_conflicts=True,
    )
    return False


def part_usage_mark_consumed(*, usage_id: int) -> bool:
    """For the stock step: claim a usage once. True when this call consumed it."""
    return bool(
        PartUsage.objects.filter(pk=usage_id, consumed_at__isnull=True).update(
            consumed_at=timezone.now()
        )
    )
