"""Reads for the supervisor live board, narrowed to what the user may see."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import hooks
from ..errors import NotFound
from ..models import ServiceArea, Ticket
from ..roles import Role, roles_of
from ..selectors import service_areas_for_user, ticket_queryset_for_user
from .models import SlaClock, SlaEscalation, SlaNotification

BOARD_LIMIT = 50
# What burns first: breached, then at risk; on track is collapsed to its count unless asked.
STATES = ("breached", "at_risk", "on_track")
LISTED_BY_DEFAULT = ("breached", "at_risk")


@dataclass
class BoardFilters:
    area: int | None = None
    priority: str = ""
    service_point: int | None = None
    state: str = ""


def _visible_tickets(user, filters: BoardFilters) -> QuerySet[Ticket] | None:
    """None means "every ticket" (supervisors with no filter): no subquery needed."""
    roles = roles_of(user)
    qs = None if roles & {Role.SUPERVISOR, Role.ADMIN} else ticket_queryset_for_user(user)
    if filters.service_point and hooks.provider(hooks.SERVICE_POINT_FILTER):
        qs = hooks.service_point_apply(
            qs if qs is not None else Ticket.objects.all(), filters.service_point
        )
    return qs


def _clocks(user, filters: BoardFilters) -> QuerySet[SlaClock]:
    qs = SlaClock.objects.exclude(ticket__status__in=("closed", "cancelled"))
    visible = _visible_tickets(user, filters)
    if visible is not None:
        qs = qs.filter(ticket__in=visible.values("pk"))
    if filters.area:
        qs = qs.filter(ticket__area_id=filters.area)
    if filters.priority:
        qs = qs.filter(ticket__priority=filters.priority)
    return qs


def _state_q(state: str, now: dt.datetime) -> Q:
    running = Q(state=SlaClock.State.RUNNING)
    if state == "on_track":
        return running & Q(warn_at__gt=now)
    if state == "at_risk":
        return running & Q(warn_at__lte=now)
    return Q(state=SlaClock.State.BREACHED)


def _ticket_url_pattern() -> str:
    try:
        return reverse("ticket_detail", args=[999999999]).replace("999999999", "{}")
    except NoReverseMatch:
        return "/tickets/{}/"


def duration_label(seconds: int) -> str:
    minutes = abs(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        text = _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    else:
        text = _("%(m)d min") % {"m": minutes}
    return (_("%(t)s left") if seconds >= 0 else _("%(t)s overdue")) % {"t": text}


@dataclass
class BoardRow:
    clock: SlaClock
    ticket_url: str
    seconds_left: int
    label: str
    lag_label: str = ""


def lag_label(clock: SlaClock) -> str:
    """A breach the sweep noticed late (an outage): how late, so the gap is visible."""
    lag = clock.breach_lag_seconds
    if lag is None or lag < 60:
        return ""
    return _("noticed %(minutes)d min after the deadline") % {"minutes": lag // 60}


def board(*, user, filters: BoardFilters, limit: int = BOARD_LIMIT) -> dict:
    """Counts per state and the most urgent clocks of the breached and at-risk ones (or of
    the one state asked for)."""
    now = timezone.now()
    base = _clocks(user, filters)
    counts = base.aggregate(**{state: Count("pk", filter=_state_q(state, now)) for state in STATES})
    url = _ticket_url_pattern()
    lists = {}
    states = [filters.state] if filters.state in STATES else list(LISTED_BY_DEFAULT)
    for state in states:
        order = "-breached_at" if state == "breached" else "due_at"
        clocks = (
            base.filter(_state_q(state, now))
            .select_related("ticket__area")
            .order_by(order, "pk")[: (limit * 4 if filters.state else limit)]
        )
        lists[state] = [
            BoardRow(
                clock=c,
                ticket_url=url.format(c.ticket_id),
                seconds_left=c.seconds_left(now),
                label=duration_label(c.seconds_left(now)),
                lag_label=lag_label(c),
            )
            for c in clocks
        ]
    return {"now": now, "counts": counts, "lists": lists}


def escalations_open(*, user, filters: BoardFilters, limit: int = BOARD_LIMIT) -> list:
    qs = SlaEscalation.objects.filter(acknowledged_at__isnull=True)
    visible = _visible_tickets(user, filters)
    if visible is not None:
        qs = qs.filter(ticket__in=visible.values("pk"))
    if filters.area:
        qs = qs.filter(ticket__area_id=filters.area)
    if filters.priority:
        qs = qs.filter(ticket__priority=filters.priority)
    url = _ticket_url_pattern()
    rows = list(qs.select_related("clock", "ticket__area").order_by("created_at", "pk")[:limit])
    for esc in rows:
        esc.ticket_url = url.format(esc.ticket_id)
    return rows


def notification_purpose_label(purpose: str) -> str:
    if purpose == "sla_warning":
        return _("Warning")
    if purpose.startswith("escalation_l") and purpose[12:].isdigit():
        return _("Escalation level %(level)s") % {"level": purpose[12:]}
    return purpose


def notifications_held(*, user, filters: BoardFilters, limit: int = BOARD_LIMIT) -> list:
    """Warnings and escalations waiting for the staff's working hours, soonest first."""
    now = timezone.now()
    qs = SlaNotification.objects.filter(sent_at__isnull=True, not_before__gt=now)
    visible = _visible_tickets(user, filters)
    if visible is not None:
        qs = qs.filter(ticket__in=visible.values("pk"))
    if filters.area:
        qs = qs.filter(ticket__area_id=filters.area)
    if filters.priority:
        qs = qs.filter(ticket__priority=filters.priority)
    url = _ticket_url_pattern()
    rows = list(qs.select_related("ticket", "clock", "user").order_by("not_before", "pk")[:limit])
    for note in rows:
        note.ticket_url = url.format(note.ticket_id)
        note.purpose_label = notification_purpose_label(note.purpose)
    return rows


def escalation_get_for_user(*, user, escalation_id: int) -> SlaEscalation:
    qs = SlaEscalation.objects.select_related("ticket", "clock")
    roles = roles_of(user)
    if not roles & {Role.SUPERVISOR, Role.ADMIN}:
        qs = qs.filter(ticket__in=ticket_queryset_for_user(user).values("pk"))
    try:
        return qs.get(pk=escalation_id)
    except (SlaEscalation.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Escalation not found.")) from None


def board_areas(user) -> list[ServiceArea]:
    return list(service_areas_for_user(user))


def ticket_clocks(*, ticket: Ticket) -> list[SlaClock]:
    """A ticket's clocks for its detail page, newest first (call after the access check)."""
    return list(SlaClock.objects.filter(ticket=ticket).order_by("-started_at", "-pk"))


def check_back_due_by_event(*, ticket: Ticket, events) -> dict[int, dt.datetime]:
    """For each event that resolved the ticket remotely, the due time of the check-back
    clock it started (its current deadline: a recompute moves it), read from the clock."""
    starts = [e for e in events if e.kind == "status" and e.to_status == "resolved_remotely"]
    if not starts:
        return {}
    due = dict(
        SlaClock.objects.filter(
            ticket=ticket, kind="check_back", started_at__in=[e.created_at for e in starts]
        ).values_list("started_at", "due_at")
    )
    return {e.pk: due[e.created_at] for e in starts if due.get(e.created_at)}
