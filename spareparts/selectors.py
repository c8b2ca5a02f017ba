from django.db.models import QuerySet

from .models import Part, PartUsage


def part_search(*, query: str = "", category: str = "", limit: int = 30) -> list[Part]:
    qs: QuerySet[Part] = Part.objects.filter(active=True)
    if category:
        qs = qs.filter(category__in=[category, ""])
    query = (query or "").strip()
    if query:
        qs = qs.filter(sku__icontains=query) | qs.filter(name__icontains=query)
    return list(qs.order_by("sku")[:limit])


def part_get_by_sku(sku: str) -> Part | None:
    return Part.objects.filter(sku__iexact=(sku or "").strip(), active=True).first()


def part_usages_for_ticket(ticket) -> list[PartUsage]:
    return list(
        PartUsage.objects.filter(ticket=ticket).select_related("part").order_by("created_at", "id")
    )


def parts_for_report(*, ticket) -> list[dict]:
    """The rows the service report lists (registered with tickets.onsite.registry)."""
    return [
        {
            "sku": u.part.sku,
            "name": u.part.name,
            "serial": u.serial_or_batch,
            "original": u.is_original,
            "warranty_months": u.warranty_months,
            "old_serial": u.old_part_serial,
            "unit_price": f"{u.unit_price:.2f}",
            "quantity": u.quantity,
        }
        for u in part_usages_for_ticket(ticket)
    ]
