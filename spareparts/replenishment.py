"""Low stock and replenishment (reads): what each location should receive, from where,
and for vans the min/max their last 90 days of consumption suggest."""

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import F, Q, Sum
from django.utils import timezone

from .models import LedgerEntry, LedgerKind, Location, LocationKind, Part, Stock, Transfer

CONSUMPTION_DAYS = 90
# A van should carry a week's use, and refill to two weeks'.
VAN_MIN_DAYS, VAN_MAX_DAYS = 7, 14


@dataclass
class Suggestion:
    stock_id: int
    location: Location
    part: Part
    available: int
    incoming: int
    quantity: int
    source: Location | None  # None: buy it (no parent holds enough)

    @property
    def purchase(self) -> bool:
        return self.source is None


def replenishment_suggestions(*, locations, limit: int = 200) -> list[Suggestion]:
    """Stock rows below their minimum, with what is already on its way counted: top them
    up to the maximum from the parent location when it can spare it, else purchase."""
    low = list(
        Stock.objects.filter(location__in=locations, min_qty__isnull=False)
        .filter(Q(on_hand__lt=F("reserved") + F("min_qty")))
        .select_related("location__parent", "part")[:limit]
    )
    if not low:
        return []
    incoming = {
        (r["destination_id"], r["part_id"]): r["n"]
        for r in Transfer.objects.filter(
            status__in=[Transfer.Status.PLANNED, Transfer.Status.IN_TRANSIT],
            destination__in={s.location_id for s in low},
        )
        .values("destination_id", "part_id")
        .annotate(n=Sum("quantity"))
    }
    parents = {
        (s.location_id, s.part_id): s
        for s in Stock.objects.filter(
            location__in={s.location.parent_id for s in low if s.location.parent_id},
            part__in={s.part_id for s in low},
        )
    }
    out = []
    for s in low:
        coming = incoming.get((s.location_id, s.part_id), 0)
        target = s.max_qty if s.max_qty is not None else s.min_qty
        quantity = target - (s.on_hand - s.reserved) - coming
        if quantity <= 0:
            continue
        parent_stock = parents.get((s.location.parent_id, s.part_id))
        source = (
            s.location.parent
            if parent_stock is not None and parent_stock.available >= quantity
            else None
        )
        out.append(Suggestion(s.pk, s.location, s.part, s.available, coming, quantity, source))
    return out


def van_minmax_suggestions(*, van: Location) -> list[dict]:
    """Per SKU the van used in the last 90 days: a week's use as minimum, two as maximum."""
    assert van.kind == LocationKind.VAN
    since = timezone.now() - dt.timedelta(days=CONSUMPTION_DAYS)
    used = (
        LedgerEntry.objects.filter(location=van, kind=LedgerKind.CONSUME, created_at__gte=since)
        .values("part_id", "part__sku")
        .annotate(n=Sum("on_hand_delta"))
        .order_by("part__sku")
    )
    rows = []
    for r in used:
        units = -int(r["n"] or 0)
        if units <= 0:
            continue
        per_day = units / CONSUMPTION_DAYS
        rows.append(
            {
                "part_id": r["part_id"],
                "sku": r["part__sku"],
                "used_90_days": units,
                "min_qty": max(1, math.ceil(per_day * VAN_MIN_DAYS)),
                "max_qty": max(2, math.ceil(per_day * VAN_MAX_DAYS)),
            }
        )
    return rows
