"""At a job's completion the parts fitted on it leave the engineer's van (using what was
reserved for the job first); what was reserved for it and not fitted is released. At a
cancellation every reservation the job still holds is released."""

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tickets.lifecycle import Status

from ..models import (
    Alert,
    LedgerEntry,
    Location,
    LocationKind,
    Part,
    PartRequest,
    PartUsage,
    Transfer,
)
from .returns import returns_expect
from .stock import NotEnoughStock, stock_consume, stock_release
from .transfers import transfer_cancel


def _reserved_here(*, ticket, location_id: int, part_id: int) -> int:
    total = LedgerEntry.objects.filter(
        ticket=ticket, location_id=location_id, part_id=part_id
    ).aggregate(n=Sum("reserved_delta"))["n"]
    return max(int(total or 0), 0)


def job_parts_consume(*, ticket) -> int:
    """Consume the job's unconsumed usages from the fitting engineer's van. Call while
    holding the ticket's row lock (the completion transition does). Returns how many."""
    usages = list(
        PartUsage.objects.select_for_update(of=("self",))
        .filter(ticket=ticket, consumed_at__isnull=True)
        .select_related("part")
    )
    vans = {
        v.engineer.user_id: v
        for v in Location.objects.filter(
            kind=LocationKind.VAN, engineer__user_id__in={u.engineer_id for u in usages}
        ).select_related("engineer")
    }
    done = 0
    for usage in usages:
        van = vans.get(usage.engineer_id)
        if van is None:
            continue
        reserved = _reserved_here(ticket=ticket, location_id=van.pk, part_id=usage.part_id)
        serialized = usage.part.serialized
        try:
            with transaction.atomic():
                stock_consume(
                    location=van,
                    part=usage.part,
                    quantity=usage.quantity,
                    reserved=reserved,
                    actor=usage.engineer,
                    ticket=ticket,
                    batch="" if serialized else usage.serial_or_batch,
                    serials=[usage.serial_or_batch] if serialized else [],
                )
        except NotEnoughStock:
            # The completion stands; the manager sees the gap and corrects the count.
            Alert.objects.bulk_create(
                [
                    Alert(
                        kind=Alert.Kind.VAN_SHORTFALL,
                        location=van,
                        part=usage.part,
                        ticket=ticket,
                        subject=f"usage:{usage.pk}",
                        data={"quantity": usage.quantity},
                    )
                ],
                ignore_conflicts=True,
            )
            continue
        PartUsage.objects.filter(pk=usage.pk).update(consumed_at=timezone.now())
        done += 1
    _release_leftovers(ticket=ticket)
    return done


def _release_leftovers(*, ticket) -> None:
    for transfer in Transfer.objects.filter(request__ticket=ticket, status="planned"):
        transfer_cancel(transfer=transfer, actor=None)
    rows = (
        LedgerEntry.objects.filter(ticket=ticket)
        .values("location_id", "part_id")
        .annotate(n=Sum("reserved_delta"))
        .filter(n__gt=0)
    )
    locations = Location.objects.in_bulk({r["location_id"] for r in rows})
    parts = Part.objects.in_bulk({r["part_id"] for r in rows})
    for r in rows:
        stock_release(
            location=locations[r["location_id"]],
            part=parts[r["part_id"]],
            quantity=r["n"],
            ticket=ticket,
        )


def on_ticket_transition(*, ticket, from_status, to_status, event, actor) -> None:
    """Registered with tickets.hooks.on_transition."""
    if to_status == Status.COMPLETED:
        job_parts_consume(ticket=ticket)
        returns_expect(ticket=ticket)
    elif to_status == Status.CANCELLED:
        _release_leftovers(ticket=ticket)
        PartRequest.objects.filter(ticket=ticket, status=PartRequest.Status.HELD).update(
            status=PartRequest.Status.REJECTED, decided_at=timezone.now()
        )
