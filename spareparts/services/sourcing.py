"""Where a requested part comes from.

The sources in order of preference: the engineer's own van (for a job), their service
point's store, the regional warehouses within reach (nearest first), the central
warehouse. Each has an ETA at the van (the transfer route's hours). For a job, a source
that cannot get the part there before the job's SLA deadline is passed over while one
that can has the stock; when none can, the soonest arrival comes first and the request
says it will be late.

The stock of every candidate is read in one statement; the caller reserves at the first
source that still has it (the reservation re-checks under the row's lock).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q

from engineers.models import Engineer
from tickets.models import Ticket
from tickets.onsite.services import distance_m
from tickets.sla.models import ClockKind, SlaClock

from ..models import Location, LocationKind, Part, Purpose, SourceReason, Stock
from .transfers import route_hours

REGIONAL_REACH_KM = 50
# A degree of latitude is ~111 km; the box is a pre-filter, the haversine decides.
_BOX_DEG = REGIONAL_REACH_KM / 111.0
# The clocks a part for the job must beat: it is needed on arrival, or to finish.
_JOB_CLOCKS = (ClockKind.ARRIVAL, ClockKind.COMPLETION)


@dataclass(frozen=True)
class Source:
    location: Location
    reason: str  # a SourceReason
    data: dict  # what the reason's text needs, and "late" when it misses the deadline
    eta: dt.datetime


def job_deadline(ticket: Ticket, now: dt.datetime) -> dt.datetime | None:
    """When the job's part must be there: the earliest due time of its open arrival and
    completion clocks. A paused clock (the job already waits for parts) has the rest of
    its budget from now."""
    deadlines = []
    for clock in SlaClock.objects.filter(
        ticket=ticket,
        kind__in=_JOB_CLOCKS,
        state__in=(SlaClock.State.RUNNING, SlaClock.State.PAUSED),
    ).only("state", "due_at", "target_seconds", "used_seconds"):
        if clock.state == SlaClock.State.RUNNING and clock.due_at is not None:
            deadlines.append(clock.due_at)
        elif clock.state == SlaClock.State.PAUSED and clock.target_seconds is not None:
            left = max(0.0, clock.target_seconds - clock.used_seconds)
            deadlines.append(now + dt.timedelta(seconds=left))
    return min(deadlines, default=None)


def _point(ticket: Ticket | None, engineer: Engineer) -> tuple[float, float]:
    """Where the part is needed: the job's address, else the engineer's service point."""
    address = ticket.address if ticket is not None else None
    if address is not None and address.lat is not None and address.lng is not None:
        return address.lat, address.lng
    sp = engineer.service_point
    return sp.lat, sp.lng


def _stock_in_reach(*, van, engineer, part, quantity, purpose, lat, lng) -> list[Stock]:
    """The stock rows holding enough of the part at every place it may come from."""
    places = (
        Q(location__kind=LocationKind.STORE, location__service_point_id=engineer.service_point_id)
        | Q(
            location__kind=LocationKind.REGIONAL,
            location__lat__range=(lat - _BOX_DEG, lat + _BOX_DEG),
            location__lng__range=(lng - 2 * _BOX_DEG, lng + 2 * _BOX_DEG),
        )
        | Q(location__kind=LocationKind.CENTRAL)
    )
    if purpose == Purpose.JOB:
        places |= Q(location=van)
    return list(
        Stock.objects.filter(
            places, part=part, location__active=True, on_hand__gte=F("reserved") + quantity
        )
        .select_related("location")
        .order_by()  # the order is decided below (the default one joins the catalogue)
    )


def sources_for(
    *,
    van: Location,
    engineer: Engineer,
    part: Part,
    quantity: int,
    ticket: Ticket | None,
    purpose: str,
    now: dt.datetime,
) -> list[Source]:
    """The sources holding enough, in the order to try them."""
    lat, lng = _point(ticket, engineer)
    by_kind: dict[str, list] = {}
    for row in _stock_in_reach(
        van=van, engineer=engineer, part=part, quantity=quantity, purpose=purpose, lat=lat, lng=lng
    ):
        by_kind.setdefault(row.location.kind, []).append(row.location)

    def source(location, reason, data=None):
        if location.pk == van.pk:
            return Source(location, reason, data or {}, now)
        hours = route_hours(location, van)
        return Source(location, reason, data or {}, now + dt.timedelta(hours=hours))

    ordered = [source(van, SourceReason.OWN_VAN)] if by_kind.get(LocationKind.VAN) else []
    ordered += [source(loc, SourceReason.OWN_STORE) for loc in by_kind.get(LocationKind.STORE, [])]
    regional = []
    for loc in by_kind.get(LocationKind.REGIONAL, []):
        km = distance_m(lat, lng, loc.lat, loc.lng) / 1000
        if km <= REGIONAL_REACH_KM:
            regional.append((km, loc))
    regional.sort(key=lambda item: item[0])
    ordered += [source(loc, SourceReason.REGIONAL, {"km": f"{km:.1f}"}) for km, loc in regional]
    ordered += [source(loc, SourceReason.CENTRAL) for loc in by_kind.get(LocationKind.CENTRAL, [])]

    deadline = job_deadline(ticket, now) if ticket is not None else None
    if deadline is None:
        return ordered
    on_time = [s for s in ordered if s.eta <= deadline]
    late = sorted((s for s in ordered if s.eta > deadline), key=lambda s: s.eta)  # stable
    marked = [Source(s.location, s.reason, {**s.data, "late": True}, s.eta) for s in late]
    return on_time + marked
