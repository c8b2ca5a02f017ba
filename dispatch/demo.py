"""Demo dispatch: waiting tickets dispatched through the real services and moved along
(accepted, called, booked, on the way, one declined, one taken back from an engineer whose
van broke down, one assigned by hand overriding the matching rules). Idempotent."""

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from tickets.demo import AREAS
from tickets.errors import DomainError
from tickets.lifecycle import Status
from tickets.models import Ticket

from . import services
from .models import Assignment


def _window(days: int, hour: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    day = timezone.localdate() + dt.timedelta(days=days)
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
    return start, start + dt.timedelta(hours=2)


DEMO_AREA_CODES = [code for code, *_ in AREAS]
DEMO_DISPATCH_LIMIT = 150


def build(stdout):
    if Assignment.objects.exists():
        stdout.write("dispatch demo: already loaded")
        return
    # The demo's own tickets: bounded, so a database that already holds generated load
    # (the benchmarks') is not dispatched wholesale.
    waiting = list(
        Ticket.objects.filter(status=Status.AWAITING_DISPATCH, area__code__in=DEMO_AREA_CODES)
        .order_by("pk")
        .values_list("pk", flat=True)[:DEMO_DISPATCH_LIMIT]
    )
    assigned = []
    for pk in waiting:
        a = services.ticket_dispatch_auto(ticket_id=pk)
        if a is not None:
            assigned.append(a)
    moved = {
        "accepted": 0,
        "scheduled": 0,
        "en_route": 0,
        "declined": 0,
        "taken back": 0,
        "manual": 0,
    }
    for i, a in enumerate(assigned):
        engineer, ticket_id = a.engineer, a.ticket_id
        step = i % 6
        try:
            if step == 0:
                continue  # stays assigned, waiting for the engineer
            if step == 5:
                services.assignment_decline(
                    engineer=engineer, ticket_id=ticket_id, reason="距离太远 / Too far"
                )
                moved["declined"] += 1
                continue
            services.assignment_accept(engineer=engineer, ticket_id=ticket_id)
            moved["accepted"] += 1
            if step == 1:
                continue
            services.customer_call_log(
                engineer=engineer,
                ticket_id=ticket_id,
                outcome="no_answer" if step == 2 else "reached",
            )
            if step == 2:
                continue
            start, end = _window(1 + i % 3, 9 + 2 * (i % 4))
            services.appointment_book(
                engineer=engineer, ticket_id=ticket_id, window_start=start, window_end=end
            )
            moved["scheduled"] += 1
            if step == 4:
                services.engineer_on_my_way(engineer=engineer, ticket_id=ticket_id, eta_minutes=40)
                moved["en_route"] += 1
                _where_is_my_engineer_call(ticket_id)
        except DomainError as exc:  # a clash or capacity: the demo just moves on
            stdout.write(f"dispatch demo: ticket {ticket_id} stays as it is ({exc.message})")
    dispatcher = User.objects.filter(username="dispatcher").first()
    accepted = Assignment.objects.filter(state="accepted", ticket__status=Status.ACCEPTED).first()
    if dispatcher and accepted:
        services.assignment_take_back(
            ticket_id=accepted.ticket_id,
            reason_code="vehicle_breakdown",
            detail="车辆抛锚 / The van broke down",
            actor=dispatcher,
        )
        moved["taken back"] += 1
    still = Ticket.objects.filter(status=Status.AWAITING_DISPATCH).order_by("pk").first()
    if dispatcher and still:
        from engineers.models import Engineer

        reason = "客户指定师傅 / The customer asked for this engineer"
        for engineer in Engineer.objects.filter(service_point__areas=still.area_id).distinct():
            try:
                try:
                    services.ticket_assign_manual(
                        ticket_id=still.pk, engineer_id=engineer.pk, reason=reason, actor=dispatcher
                    )
                except services.OverrideNeeded as exc:  # the dispatcher confirms the override
                    services.ticket_assign_manual(
                        ticket_id=still.pk,
                        engineer_id=engineer.pk,
                        reason=reason,
                        actor=dispatcher,
                        confirm_rules=exc.rules,
                    )
                moved["manual"] += 1
                break
            except DomainError:
                continue
    stdout.write(
        f"dispatch demo: {len(assigned)} tickets dispatched; "
        + ", ".join(f"{k} {v}" for k, v in moved.items())
    )


def _where_is_my_engineer_call(ticket_id: int) -> None:
    """The customer rings while the engineer is on the way: the agent answers from the
    ticket page and logs the call (tickets.contacts)."""
    from tickets.contacts import contact_log
    from tickets.models import CustomerContact

    agent = User.objects.filter(username="agent").first()
    if agent is None:
        return
    ticket = Ticket.objects.select_related("customer").get(pk=ticket_id)
    contact_log(
        customer=ticket.customer,
        ticket=ticket,
        actor=agent,
        direction=CustomerContact.Direction.INBOUND,
        topic=CustomerContact.Topic.WHERE_IS_ENGINEER,
        note="客户询问师傅到哪了，已告知预计到达时间",
    )
