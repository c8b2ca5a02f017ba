"""A ticket with its engineer and booked visit, made through the real services, for the
desk's ticket page tests."""

import datetime as dt

from django.utils import timezone

from dispatch import services as dispatch
from tests.dispatch.factories import EngineerFactory, ServicePointFactory


def tomorrow_at(hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())


def engineer_for(area, **kw):
    point = ServicePointFactory(name="Shinan service point", areas=[area])
    return EngineerFactory(
        service_point=point,
        phone="13900001111",
        user__first_name="Minglang",
        user__last_name="Wu",
        **kw,
    )


def scheduled_job(ticket, engineer, *, start=None, end=None):
    """Dispatched (to `engineer`, the only one), accepted and booked for tomorrow 9-11."""
    assignment = dispatch.ticket_dispatch_auto(ticket_id=ticket.pk)
    assert assignment is not None and assignment.engineer_id == engineer.pk
    dispatch.assignment_accept(engineer=engineer, ticket_id=ticket.pk)
    dispatch.appointment_book(
        engineer=engineer,
        ticket_id=ticket.pk,
        window_start=start or tomorrow_at(9),
        window_end=end or tomorrow_at(11),
    )
    ticket.refresh_from_db()
    return ticket
