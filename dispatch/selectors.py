"""Reads of dispatch, and the rule of what an engineer may see: only their own live jobs."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from engineers.models import REQUIRED_LEVEL, CertificationLevel, Engineer
from tickets.errors import NotFound, PermissionDenied
from tickets.event_kinds import EventKind
from tickets.lifecycle import Status
from tickets.models import Ticket, TicketEvent
from tickets.selectors import ticket_queryset_for_user
from tickets.sla.models import SlaClock

from .models import Appointment, Assignment, QueueEntry


def engineer_for_user(user) -> Engineer:
    """The engineer profile of a logged-in engineer, or PermissionDenied."""
    try:
        return Engineer.objects.select_related("service_point", "user").get(user=user, active=True)
    except Engineer.DoesNotExist:
        raise PermissionDenied(_("You have no active engineer profile.")) from None


def ticket_queryset_for_engineer(engineer: Engineer) -> QuerySet[Ticket]:
    """Tickets the engineer holds now. A job reassigned away is no longer here."""
    return Ticket.objects.filter(
        assignments__engineer=engineer, assignments__state__in=Assignment.LIVE
    )


def ticket_get_for_engineer(*, engineer: Engineer, ticket_id) -> Ticket:
    try:
        return (
            ticket_queryset_for_engineer(engineer)
            .select_related("customer", "appliance", "address", "area")
            .get(pk=ticket_id)
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Job not found.")) from None


@dataclass
class Job:
    ticket: Ticket
    assignment: Assignment
    appointment: Appointment | None

    @property
    def sort_key(self):
        # Jobs still to accept or to book first, then visits in time order.
        if self.appointment is None:
            return (0, self.assignment.created_at)
        return (1, self.appointment.window_start)


def live_assignment_for_engineer(*, engineer: Engineer, ticket: Ticket) -> Assignment:
    a = (
        Assignment.objects.filter(engineer=engineer, ticket=ticket, state__in=Assignment.LIVE)
        .prefetch_related(
            Prefetch(
                "appointments",
                queryset=Appointment.objects.filter(state=Appointment.State.BOOKED),
                to_attr="booked",
            )
        )
        .first()
    )
    if a is None:
        raise NotFound(_("Job not found."))
    return a


def engineer_jobs(*, engineer: Engineer, now: dt.datetime | None = None) -> dict:
    """The engineer's live jobs: today's in visiting order (unbooked first), then the next
    days' grouped by date."""
    now = now or timezone.now()
    assignments = (
        Assignment.objects.filter(engineer=engineer, state__in=Assignment.LIVE)
        .select_related("ticket__appliance", "ticket__area", "ticket__address", "ticket__customer")
        .prefetch_related(
            Prefetch(
                "appointments",
                queryset=Appointment.objects.filter(state=Appointment.State.BOOKED),
                to_attr="booked",
            )
        )
    )
    today = timezone.localdate(now)
    todays, later = [], {}
    for a in assignments:
        job = Job(ticket=a.ticket, assignment=a, appointment=a.booked[0] if a.booked else None)
        if job.appointment and timezone.localdate(job.appointment.window_start) > today:
            later.setdefault(timezone.localdate(job.appointment.window_start), []).append(job)
        else:
            todays.append(job)
    todays.sort(key=lambda j: j.sort_key)
    days = [(day, sorted(jobs, key=lambda j: j.sort_key)) for day, jobs in sorted(later.items())]
    return {"today": todays, "later": days}


def dispatch_queue(*, user, limit: int = 200) -> list[Ticket]:
    """Tickets waiting for an engineer that the user may see: free revisits of a repeat
    fault first (the callbacks app asks for them to be dispatched first), then oldest
    first; with the reason they are still waiting (or were returned), the earliest due
    time of their running clocks (`next_due`) and the certification their fault needs
    (`required_level`)."""
    next_due = (
        SlaClock.objects.filter(ticket=OuterRef("pk"), state=SlaClock.State.RUNNING)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    tickets = list(
        ticket_queryset_for_user(user)
        .filter(status=Status.AWAITING_DISPATCH)
        .select_related("appliance", "area", "dispatch_queue")
        .annotate(
            next_due=Subquery(next_due),
            revisit=Exists(
                TicketEvent.objects.filter(
                    ticket=OuterRef("pk"),
                    kind=EventKind.REVISIT_OPENED,
                    data__dispatch_first=True,
                )
            ),
        )
        .order_by("-revisit", "created_at")[:limit]
    )
    for t in tickets:
        t.required_level = CertificationLevel(
            REQUIRED_LEVEL.get(t.fault_class, CertificationLevel.JUNIOR)
        )
    return tickets


def unaccepted_assignments(*, user, limit: int = 100) -> list[Assignment]:
    """Assigned but not yet accepted, soonest deadline first."""
    return list(
        Assignment.objects.filter(
            state=Assignment.State.ACTIVE, ticket__in=ticket_queryset_for_user(user)
        )
        .select_related("ticket__appliance", "ticket__area", "engineer__user")
        .order_by("accept_due_at")[:limit]
    )


def manual_share_by_day(*, days: int = 7, now: dt.datetime | None = None) -> list[dict]:
    """Per local day: assignments made, how many by hand, and their share (KPI: < 10%)."""
    now = now or timezone.now()
    tz = timezone.get_default_timezone()
    first = timezone.localdate(now, tz) - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    rows = (
        Assignment.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(total=Count("id"), manual=Count("id", filter=Q(manual=True)))
    )
    by_day = {r["day"]: r for r in rows}
    out = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        r = by_day.get(day, {"total": 0, "manual": 0})
        share = (r["manual"] / r["total"]) if r["total"] else None
        out.append({"day": day, "total": r["total"], "manual": r["manual"], "share": share})
    return out


def assignment_history(*, ticket: Ticket) -> list[Assignment]:
    return list(
        Assignment.objects.filter(ticket=ticket)
        .select_related("engineer__user", "engineer__service_point", "assigned_by")
        .order_by("-created_at", "-id")
    )


def queue_entry(ticket: Ticket) -> QueueEntry | None:
    return QueueEntry.objects.filter(ticket=ticket).first()


def engineers_for_manual(
    *, ticket: Ticket, q: str = "", include_id=None, limit: int = 40
) -> list[Engineer]:
    """Engineers a dispatcher may pick by hand: by name when searching, else those within
    20 km of the customer and those of the service points covering the area."""
    import math

    qs = Engineer.objects.active().select_related("user", "service_point")
    if q:
        found = qs.filter(
            Q(user__username__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
        )
    else:
        lat = ticket.address.lat if ticket.address.lat is not None else ticket.area.centroid_lat
        lng = ticket.address.lng if ticket.address.lng is not None else ticket.area.centroid_lng
        dlng = 20 / (111.32 * max(0.1, math.cos(math.radians(lat))))
        found = qs.filter(
            Q(pk__in=qs.in_box(lat=lat, lng=lng, dlat=20 / 111.0, dlng=dlng).values("pk"))
            | Q(service_point__areas=ticket.area_id)
        ).distinct()
    engineers = list(found.order_by("user__username")[:limit])
    if include_id and all(str(e.pk) != str(include_id) for e in engineers):
        engineers += list(qs.filter(pk=include_id)) if str(include_id).isdigit() else []
    return engineers
