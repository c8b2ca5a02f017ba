"""The dispatcher's day view: each service point's engineers with the windows booked for
them on one day, the selected ticket's candidates marked, drawn as a simple timeline."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from engineers.models import Engineer, ServicePoint
from tickets.models import Ticket

from .models import Appointment

# The span drawn: 07:00 to 21:00 local time.
DAY_START_HOUR = 7
DAY_END_HOUR = 21
MAX_SERVICE_POINTS = 6
MAX_ENGINEERS = 60


@dataclass
class Bar:
    """A window on the timeline, as percentages of the drawn span."""

    left: float
    width: float
    label: str
    title: str
    css: str
    ticket_id: int | None = None


@dataclass
class EngineerRow:
    engineer: Engineer
    bars: list[Bar] = field(default_factory=list)
    shift: Bar | None = None
    candidate: dict | None = None


@dataclass
class PointRows:
    service_point: ServicePoint
    rows: list[EngineerRow]


@dataclass
class DayView:
    day: dt.date
    points: list[PointRows]
    hours: list[tuple[float, str]]
    wanted: Bar | None


def _span(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(DAY_START_HOUR), tzinfo=tz)
    end = dt.datetime.combine(day, dt.time(DAY_END_HOUR), tzinfo=tz)
    return start, end


def _bar(start, end, span, *, label="", title="", css="", ticket_id=None) -> Bar | None:
    first, last = span
    total = (last - first).total_seconds()
    lo, hi = max(start, first), min(end, last)
    if hi <= lo:
        return None
    left = (lo - first).total_seconds() / total * 100
    width = (hi - lo).total_seconds() / total * 100
    return Bar(round(left, 2), round(width, 2), label, title, css, ticket_id)


def _hhmm(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def day_view_default_day(*, ticket: Ticket, appointment: Appointment | None) -> dt.date:
    """The day a dispatcher most likely wants: the booked visit's, else the customer's
    preferred day, else today."""
    if appointment is not None:
        return timezone.localdate(appointment.window_start)
    if ticket.preferred_start is not None:
        return timezone.localdate(ticket.preferred_start)
    return timezone.localdate()


def day_view(*, ticket: Ticket, day: dt.date, candidates: list[dict]) -> DayView:
    """The service points covering the ticket's area and those of its candidates, each
    with its active engineers and their booked (or visited) windows on `day`."""
    span = _span(day)
    by_engineer = {c["engineer_id"]: c for c in candidates if c.get("engineer_id")}
    candidate_points = Engineer.objects.filter(pk__in=list(by_engineer)).values("service_point_id")
    points = list(
        ServicePoint.objects.filter(
            Q(areas=ticket.area_id) | Q(pk__in=candidate_points), active=True
        )
        .distinct()
        .order_by("name", "pk")[:MAX_SERVICE_POINTS]
    )
    engineers = list(
        Engineer.objects.active()
        .filter(service_point__in=points)
        .select_related("user")
        .order_by("service_point_id", "user__first_name", "user__username")[:MAX_ENGINEERS]
    )
    appointments = (
        Appointment.objects.filter(
            engineer__in=engineers,
            state__in=[Appointment.State.BOOKED, Appointment.State.VISITED],
            window_start__lt=span[1],
            window_end__gt=span[0],
        )
        .select_related("ticket")
        .order_by("window_start")
    )
    rows = {e.pk: EngineerRow(engineer=e, candidate=by_engineer.get(e.pk)) for e in engineers}
    for a in appointments:
        window = f"{_hhmm(a.window_start)}–{_hhmm(a.window_end)}"
        bar = _bar(
            a.window_start,
            a.window_end,
            span,
            label=a.ticket.number[-6:],
            title=f"{window} {a.ticket.number}",
            css="this" if a.ticket_id == ticket.pk else a.state,
            ticket_id=a.ticket_id,
        )
        if bar is not None:
            rows[a.engineer_id].bars.append(bar)
    for row in rows.values():
        hours = row.engineer.shift_on(day)
        if hours:
            tz = timezone.get_current_timezone()
            row.shift = _bar(
                dt.datetime.combine(day, hours[0], tzinfo=tz),
                dt.datetime.combine(day, hours[1], tzinfo=tz),
                span,
                css="shift",
            )
    wanted = None
    if ticket.preferred_start and ticket.preferred_end:
        wanted = _bar(ticket.preferred_start, ticket.preferred_end, span, css="wanted")
    grouped = [
        PointRows(point, [r for r in rows.values() if r.engineer.service_point_id == point.pk])
        for point in points
    ]
    hour_marks = [
        (round((h - DAY_START_HOUR) / (DAY_END_HOUR - DAY_START_HOUR) * 100, 2), f"{h:02d}")
        for h in range(DAY_START_HOUR, DAY_END_HOUR + 1, 2)
    ]
    return DayView(day=day, points=grouped, hours=hour_marks, wanted=wanted)
