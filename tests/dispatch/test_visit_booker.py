"""Dispatch books every visit, wherever it is agreed: `tickets.hooks.book_visit` (used by the
on-site pages for a second visit or when parts arrived) applies the same window and clash
checks as a booking from the job list, and books a new visit for a ticket that had one."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch import selectors, services
from dispatch.models import Appointment, Assignment
from tests.dispatch.factories import EngineerFactory
from tickets import hooks
from tickets.errors import DomainError, NotFound
from tickets.lifecycle import Status
from tickets.models import OutboundMessage
from tickets.onsite.services import parts_arrived
from tickets.services import ticket_transition

pytestmark = pytest.mark.django_db


def tomorrow_at(hour: int) -> dt.datetime:
    day = timezone.localtime() + dt.timedelta(days=1)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def visited(make_ticket):
    """A job whose first visit took place: the engineer is on site now."""
    engineer = EngineerFactory()
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    services.assignment_accept(engineer=engineer, ticket_id=ticket.pk)
    start = timezone.now() + dt.timedelta(minutes=1)
    first = services.appointment_book(
        engineer=engineer,
        ticket_id=ticket.pk,
        window_start=start,
        window_end=start + dt.timedelta(hours=1),
    )
    ticket.refresh_from_db()
    ticket_transition(ticket=ticket, to=Status.ON_SITE, actor=engineer.user)
    ticket.refresh_from_db()
    return engineer, ticket, first


def book(ticket, engineer, start, hours=2):
    return hooks.book_visit(
        ticket=ticket,
        engineer_user=engineer.user,
        window_start=start,
        window_end=start + dt.timedelta(hours=hours),
    )


def test_a_second_visit_booked_on_site_is_a_real_appointment(visited):
    engineer, ticket, first = visited
    first.refresh_from_db()
    assert first.state == Appointment.State.VISITED  # the check-in marked it
    appt = book(ticket, engineer, tomorrow_at(10))
    assert appt.pk != first.pk and appt.state == Appointment.State.BOOKED
    assert appt.assignment == Assignment.objects.live().get(ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.SCHEDULED
    event = ticket.events.filter(to_status="scheduled").last()
    assert event.data["second_visit"] is True and event.data["appointment_id"] == appt.pk
    assert OutboundMessage.objects.filter(ticket=ticket, purpose="visit_booked").count() == 2
    # The same booking sent again (a retried request) books nothing more.
    assert book(ticket, engineer, tomorrow_at(10)) == appt
    # The engineer's list shows the new visit.
    (job,) = selectors.engineer_jobs(engineer=engineer)["later"][0][1]
    assert job.appointment == appt


def test_parts_arrived_books_the_visit_whether_or_not_the_caller_moved_the_ticket(visited):
    engineer, ticket, _first = visited
    ticket_transition(ticket=ticket, to=Status.WAITING_FOR_PARTS, actor=engineer.user)
    ticket.refresh_from_db()
    appt = book(ticket, engineer, tomorrow_at(14))
    ticket.refresh_from_db()
    assert ticket.status == Status.SCHEDULED
    assert ticket.events.filter(to_status="scheduled").last().data["parts_arrived"] is True

    # Or the on-site code moves the ticket itself first (parts arrived with a window) and
    # then books: one appointment, no second move.
    ticket_transition(ticket=ticket, to=Status.ON_SITE, actor=engineer.user)
    ticket_transition(ticket=ticket, to=Status.WAITING_FOR_PARTS, actor=engineer.user)
    ticket.refresh_from_db()
    start = tomorrow_at(16)
    parts_arrived(
        ticket=ticket,
        actor=engineer.user,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
    )
    moves = ticket.events.filter(to_status="scheduled").count()
    second = book(ticket, engineer, start)
    assert ticket.events.filter(to_status="scheduled").count() == moves
    assert second.pk != appt.pk and second.window_start == start
    appt.refresh_from_db()
    assert appt.state == Appointment.State.VISITED
    assert Appointment.objects.filter(ticket=ticket, state="booked").count() == 1


def test_the_booker_applies_the_clash_and_window_checks_of_the_job_list(visited, make_ticket):
    engineer, ticket, _first = visited
    other = make_ticket()
    held = Assignment.objects.create(ticket=other, engineer=engineer, state="accepted")
    Appointment.objects.create(
        assignment=held,
        ticket=other,
        engineer=engineer,
        window_start=tomorrow_at(10),
        window_end=tomorrow_at(12),
        lat=36.07,
        lng=120.38,
    )
    with pytest.raises(DomainError) as exc:
        book(ticket, engineer, tomorrow_at(11))
    assert exc.value.code == "clash" and other.number in exc.value.message
    with pytest.raises(DomainError) as exc:
        book(ticket, engineer, tomorrow_at(13), hours=9)
    assert exc.value.field == "window_end"
    with pytest.raises(DomainError) as exc:
        book(ticket, engineer, timezone.now() - dt.timedelta(hours=1))
    assert exc.value.field == "window_start"
    ticket.refresh_from_db()
    assert ticket.status == Status.ON_SITE
    assert not Appointment.objects.filter(ticket=ticket, state="booked").exists()


def test_only_the_engineer_holding_the_job_can_have_a_visit_booked(visited):
    _engineer, ticket, _first = visited
    stranger = EngineerFactory()
    with pytest.raises(NotFound):
        book(ticket, stranger, tomorrow_at(10))


def test_after_parts_arrived_the_engineer_books_the_next_visit_from_the_job_list(visited):
    engineer, ticket, first = visited
    ticket_transition(ticket=ticket, to=Status.WAITING_FOR_PARTS, actor=engineer.user)
    ticket.refresh_from_db()
    parts_arrived(ticket=ticket, actor=None)  # no window yet: back to "accepted"
    start = tomorrow_at(9)
    appt = services.appointment_book(
        engineer=engineer,
        ticket_id=ticket.pk,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
    )
    assert appt.pk != first.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.SCHEDULED


def test_a_second_visit_from_the_onsite_service_books_through_dispatch(make_ticket):
    """The on-site pages' services and dispatch's booker together: check in, agree a second
    visit, and get one real appointment, the ticket scheduled, the customer told."""
    from tickets.onsite.services import outcome_second_visit, ticket_check_in

    engineer = EngineerFactory()
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    services.assignment_accept(engineer=engineer, ticket_id=ticket.pk)
    soon = timezone.now() + dt.timedelta(minutes=1)
    first = services.appointment_book(
        engineer=engineer,
        ticket_id=ticket.pk,
        window_start=soon,
        window_end=soon + dt.timedelta(hours=1),
    )
    ticket.refresh_from_db()
    ticket_check_in(ticket=ticket, engineer_user=engineer.user)
    ticket.refresh_from_db()
    start = tomorrow_at(11)
    outcome_second_visit(
        ticket=ticket,
        engineer_user=engineer.user,
        customer_name="Li Lei",
        agreed=True,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.SCHEDULED
    appt = Appointment.objects.get(assignment__ticket=ticket, state=Appointment.State.BOOKED)
    assert appt.window_start == start and appt.pk != first.pk
    assert OutboundMessage.objects.filter(ticket=ticket, purpose="visit_booked").count() == 2
