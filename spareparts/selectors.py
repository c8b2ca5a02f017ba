import datetime as dt

from django.db.models import F, Max, Q, QuerySet

from tickets import masterdata

from .models import (
    Alert,
    LedgerEntry,
    Location,
    Part,
    PartRequest,
    PartUsage,
    SerialUnit,
    Stock,
    Transfer,
)


def part_search(*, query: str = "", category: str = "", limit: int = 30) -> list[Part]:
    qs: QuerySet[Part] = Part.objects.filter(active=True)
    if category:
        qs = qs.filter(category__in=[category, ""])
    query = (query or "").strip()
    if query:
        qs = qs.filter(sku__icontains=query) | qs.filter(name__icontains=query)
    return list(qs.order_by("sku")[:limit])


def part_get_by_sku(sku: str) -> Part | None:
    """The active catalogue part, from the per-process master-data cache (a change to the
    catalogue bumps its generation; migration 0011). Read it, never change it."""
    sku = (sku or "").strip()

    def load() -> Part | None:
        # SKUs are upper case; the exact match uses the unique index, iexact a scan.
        try:
            return Part.objects.get(sku=sku.upper(), active=True)
        except Part.DoesNotExist:
            return Part.objects.filter(sku__iexact=sku, active=True).first()

    return masterdata.cached(("part_by_sku", sku.upper()), load)


def part_usages_for_ticket(ticket) -> list[PartUsage]:
    return list(
        PartUsage.objects.filter(ticket=ticket).select_related("part").order_by("created_at", "id")
    )


def charge_line_part_names(*, sources: list[str]) -> dict[str, dict]:
    """The catalogue names of the parts behind part charge lines ("part_usage:<id>"), in
    each language (registered with tickets.hooks), in one query."""
    ids = {}
    for source in sources:
        kind, _sep, pk = source.partition(":")
        if kind == "part_usage" and pk.isdigit():
            ids[int(pk)] = source
    if not ids:
        return {}
    usages = (
        PartUsage.objects.filter(pk__in=ids)
        .select_related("part")
        .only("id", "part__sku", "part__name", "part__name_en")
    )
    return {
        ids[u.pk]: {
            "zh_hans": f"{u.part.sku} {u.part.name}",
            "en": f"{u.part.sku} {u.part.name_en or u.part.name}",
        }
        for u in usages
    }


def parts_for_report(*, ticket) -> list[dict]:
    """The rows the service report lists (registered with tickets.onsite.registry)."""
    return [
        {
            "sku": u.part.sku,
            "name": u.part.display_name,
            "name_zh_hans": u.part.name,
            "name_en": u.part.name_en or u.part.name,
            "serial": u.serial_or_batch,
            "original": u.is_original,
            "warranty_months": u.warranty_months,
            "old_serial": u.old_part_serial,
            "unit_price": f"{u.unit_price:.2f}",
            "quantity": u.quantity,
        }
        for u in part_usages_for_ticket(ticket)
    ]


# --- stock, requests, transfers -------------------------------------------------------------


def stock_for_locations(*, locations, query: str = "", limit: int = 200) -> list[Stock]:
    qs = Stock.objects.filter(location__in=locations).select_related("location", "part")
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(part__sku__icontains=query)
            | Q(part__name__icontains=query)
            | Q(location__name__icontains=query)
            | Q(location__code__icontains=query)
        )
    return list(qs.order_by("location__kind", "location__code", "part__sku")[:limit])


def incoming_transfers(*, location: Location) -> list[Transfer]:
    return list(
        Transfer.objects.filter(
            destination=location,
            status__in=[Transfer.Status.PLANNED, Transfer.Status.IN_TRANSIT],
        ).select_related("source", "part", "request__ticket")
    )


def transfers_in_flight(*, limit: int = 200) -> list[Transfer]:
    return list(
        Transfer.objects.filter(status__in=[Transfer.Status.PLANNED, Transfer.Status.IN_TRANSIT])
        .select_related("source", "destination", "part", "request__ticket")
        .order_by("eta", "id")[:limit]
    )


def held_requests(*, limit: int = 200) -> list[PartRequest]:
    return list(
        PartRequest.objects.filter(status=PartRequest.Status.HELD)
        .select_related("engineer__user", "part", "source", "ticket")
        .order_by("created_at", "id")[:limit]
    )


def requests_for_ticket(ticket) -> list[PartRequest]:
    return list(
        PartRequest.objects.filter(ticket=ticket)
        .select_related("part", "source", "rule")
        .prefetch_related("transfers")
        .order_by("created_at", "id")
    )


def jobs_waiting_for_parts(*, limit: int = 200):
    from tickets.lifecycle import Status
    from tickets.models import Ticket

    return list(
        Ticket.objects.filter(status=Status.WAITING_FOR_PARTS)
        .select_related("appliance")
        .order_by("updated_at")[:limit]
    )


def open_alerts(*, limit: int = 100) -> list[Alert]:
    return list(
        Alert.objects.filter(resolved_at__isnull=True)
        .select_related("location", "part", "ticket")
        .order_by("-created_at")[:limit]
    )


def parts_expected_at(*, ticket) -> dt.datetime | None:
    """When the last part this job waits for should arrive (None: not known yet)."""
    return (
        Transfer.objects.filter(
            request__ticket=ticket,
            status__in=[Transfer.Status.PLANNED, Transfer.Status.IN_TRANSIT],
        )
        .aggregate(eta=Max("eta"))
        .get("eta")
    )


def track_parts_section(*, ticket, language: str = "") -> list[dict]:
    """The customer's page: "waiting for parts, expected <date>" (tickets.hooks)."""
    from tickets.lifecycle import Status

    if ticket.status != Status.WAITING_FOR_PARTS:
        return []
    return [
        {
            "template": "spareparts/_track_parts.html",
            "context": {"parts_eta": parts_expected_at(ticket=ticket)},
        }
    ]


def serial_trace(code: str) -> dict:
    """Everything known about a serial or batch: received from whom and when, every move,
    and the jobs it was fitted on by whom."""
    code = (code or "").strip().upper()[:64]
    if not code:
        return {"code": "", "units": [], "ledger": [], "usages": []}
    ledger = (
        LedgerEntry.objects.filter(Q(serials__contains=[code]) | Q(batch=code))
        .select_related("location", "part", "actor", "ticket", "transfer")
        .order_by("created_at", "id")
    )
    return {
        "code": code,
        "units": list(SerialUnit.objects.filter(serial=code).select_related("part", "fitted_on")),
        "ledger": list(ledger[:500]),
        "usages": list(
            PartUsage.objects.filter(serial_or_batch=code)
            .select_related("ticket", "part", "engineer")
            .order_by("created_at")
        ),
    }


LOCATE_BOX_DEG = 1.0  # ~110 km around the job: nearer stock first, central always listed


def part_locate(*, part: Part, lat: float, lng: float, limit: int = 10) -> list[dict]:
    """Where this part is available nearest to a point (a job's address)."""
    from tickets.onsite.services import distance_m

    rows = (
        Stock.objects.filter(part=part, on_hand__gt=F("reserved"), location__active=True)
        .filter(
            Q(
                location__lat__gte=lat - LOCATE_BOX_DEG,
                location__lat__lte=lat + LOCATE_BOX_DEG,
                location__lng__gte=lng - LOCATE_BOX_DEG,
                location__lng__lte=lng + LOCATE_BOX_DEG,
            )
            | Q(location__kind="central")
        )
        .select_related("location")[:500]
    )
    found = [
        {
            "location": row.location,
            "available": row.on_hand - row.reserved,
            "km": distance_m(lat, lng, row.location.lat, row.location.lng) / 1000,
        }
        for row in rows
    ]
    found.sort(key=lambda item: item["km"])
    return found[:limit]


def returns_overdue(*, today=None, engineer=None, service_point=None, limit: int = 200):
    """Old parts not back by their due date, oldest first (per engineer / service point)."""
    from django.utils import timezone

    from .models import OldPartReturn

    qs = OldPartReturn.objects.filter(
        returned_at__isnull=True, due_on__lt=today or timezone.localdate()
    )
    if engineer is not None:
        qs = qs.filter(engineer=engineer)
    if service_point is not None:
        qs = qs.filter(engineer__service_point=service_point)
    return list(
        qs.select_related("engineer__user", "engineer__service_point", "part", "ticket").order_by(
            "engineer__service_point__name", "engineer__user__username", "due_on"
        )[:limit]
    )


def returns_open_for_engineer(*, engineer, limit: int = 50):
    from .models import OldPartReturn

    return list(
        OldPartReturn.objects.filter(engineer=engineer, returned_at__isnull=True)
        .select_related("part", "ticket")
        .order_by("due_on")[:limit]
    )
