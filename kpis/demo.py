"""Demo KPIs: some of the demo's booked visits are carried out today (a few need a second
visit), one service point gets the dispatcher as its manager, and the rollups catch up,
so the dashboard has figures to show and drill into. Idempotent."""

from django.contrib.auth.models import User
from django.db.models import Q

from engineers.models import ServicePoint
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.services import ticket_event_record, ticket_transition

from . import services

DEMO_VISITS = 24


def _engineer_user(ticket: Ticket):
    event = ticket.events.filter(kind="status", to_status=Status.ASSIGNED).order_by("-id").first()
    user_id = event.data.get("engineer_user_id") if event else None
    return User.objects.filter(pk=user_id).first()


def build(stdout):
    done = 0
    dispatcher = User.objects.filter(username="dispatcher").first()
    # The dispatcher managing a point is this demo's own mark (other demos complete jobs too).
    if not ServicePoint.objects.filter(manager=dispatcher).exists():
        # Every other booked visit: the rest stay booked for the engineers' own demo.
        booked = list(
            Ticket.objects.filter(status__in=[Status.SCHEDULED, Status.EN_ROUTE]).order_by("pk")
        )[::2][:DEMO_VISITS]
        for i, ticket in enumerate(booked):
            user = _engineer_user(ticket)
            if user is None:
                continue
            ticket_transition(ticket=ticket, to=Status.ON_SITE, actor=user, data={"check_in": True})
            ticket_event_record(
                ticket=ticket, kind="diagnosis", actor=user, data={"fault": "not_cooling"}
            )
            if i % 4 == 3:  # a part was missing: a second visit
                ticket_transition(ticket=ticket, to=Status.SCHEDULED, actor=user)
                ticket_transition(ticket=ticket, to=Status.ON_SITE, actor=user)
            ticket_transition(
                ticket=ticket, to=Status.COMPLETED, actor=user, data={"outcome": "fixed"}
            )
            done += 1
    point = ServicePoint.objects.filter(Q(manager__isnull=True) | Q(manager=dispatcher)).first()
    if dispatcher and point and point.manager_id is None:
        point.manager = dispatcher
        point.save(update_fields=["manager"])
    result = services.rollups_catch_up()
    stdout.write(
        f"kpis demo: {done} visits completed today; rollups caught up over "
        f"{result.get('events', 0)} events"
        + (f"; {point.name} is managed by the dispatcher" if point and dispatcher else "")
    )
