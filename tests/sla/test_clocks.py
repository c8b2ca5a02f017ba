"""Each clock starts, stops, pauses and resumes from the ticket's own transitions and events."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.sla.conftest import MONDAY_10, assign, clock, make_ticket, move
from tickets.lifecycle import Status
from tickets.models import SlaClock, TicketEvent
from tickets.services import ticket_event_record, ticket_resolve_remotely
from tickets.sla.services import sla_sweep

S = SlaClock.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def t0():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def test_intake_starts_arrival_and_completion_from_ready_for_dispatch(sla_world, t0):
    ticket = make_ticket(priority="normal")
    arrival = clock(ticket, "arrival")
    assert ticket.status == Status.AWAITING_DISPATCH
    assert arrival.state == S.RUNNING
    assert arrival.due_at == timezone.now() + dt.timedelta(hours=4)
    assert arrival.warn_at == timezone.now() + dt.timedelta(hours=3)
    assert clock(ticket, "completion").due_at == timezone.now() + dt.timedelta(hours=48)


def test_emergency_and_rural_targets_come_from_the_policy(sla_world, t0):
    from tests.factories import ServiceAreaFactory

    emergency = make_ticket(priority="emergency")
    rural = make_ticket(area=ServiceAreaFactory(code="R1", area_type="rural"))
    assert clock(emergency, "arrival").due_at == timezone.now() + dt.timedelta(hours=2)
    assert clock(rural, "arrival").due_at == timezone.now() + dt.timedelta(hours=24)


def test_appointment_arrival_is_due_at_the_end_of_the_window(sla_world, t0):
    ticket = make_ticket(priority="appointment")
    assert clock(ticket, "arrival").due_at == ticket.preferred_end


def test_accept_clock_met_by_accepting_cancelled_by_redispatch(
    sla_world, t0, engineer_user, engineer_user2
):
    ticket = make_ticket()
    assign(ticket, engineer_user)
    accept, contact = clock(ticket, "accept"), clock(ticket, "contact")
    assert accept.due_at == timezone.now() + dt.timedelta(minutes=10)
    assert contact.due_at == timezone.now() + dt.timedelta(minutes=30)
    move(ticket, Status.AWAITING_DISPATCH, None, reason="declined")
    accept.refresh_from_db()
    contact.refresh_from_db()
    assert (accept.state, contact.state) == (S.CANCELLED, S.CANCELLED)
    t0.shift(dt.timedelta(minutes=5))
    assign(ticket, engineer_user2)
    second = clock(ticket, "accept")
    assert second.pk != accept.pk and second.cycle == 2
    assert second.due_at == timezone.now() + dt.timedelta(minutes=10)
    move(ticket, Status.ACCEPTED, engineer_user2)
    second.refresh_from_db()
    assert second.state == S.MET and second.met_at == timezone.now()
    # The arrival clock kept running through the redispatch.
    assert clock(ticket, "arrival").state == S.RUNNING


def test_contact_clock_needs_a_reached_call_not_a_note_or_a_move(sla_world, t0, engineer_user):
    ticket = make_ticket()
    assign(ticket, engineer_user)
    move(ticket, Status.ACCEPTED, engineer_user)
    ticket_event_record(ticket=ticket, kind="note", actor=engineer_user, reason="called")
    ticket_event_record(
        ticket=ticket, kind="customer_call", actor=engineer_user, data={"outcome": "no_answer"}
    )
    ticket_event_record(
        ticket=ticket, kind="customer_call", actor=engineer_user, data={"outcome": "wrong_number"}
    )
    move(ticket, Status.EN_ROUTE, engineer_user)
    assert clock(ticket, "contact").state == S.RUNNING
    t0.shift(dt.timedelta(minutes=12))
    ticket_event_record(
        ticket=ticket,
        kind="customer_call",
        actor=engineer_user,
        data={"outcome": "reached", "phone": "+8613800000000"},
    )
    contact = clock(ticket, "contact")
    assert contact.state == S.MET and contact.met_at == timezone.now()


def test_arrival_met_only_by_check_in(sla_world, t0, engineer_user):
    ticket = make_ticket()
    assign(ticket, engineer_user)
    move(ticket, Status.ACCEPTED, engineer_user)
    move(ticket, Status.EN_ROUTE, engineer_user)
    assert clock(ticket, "arrival").state == S.RUNNING
    t0.shift(dt.timedelta(hours=1))
    move(ticket, Status.ON_SITE, engineer_user)
    arrival = clock(ticket, "arrival")
    assert arrival.state == S.MET and arrival.late_seconds is None


def test_late_check_in_records_lateness_and_voucher(sla_world, t0, engineer_user):
    ticket = make_ticket()
    assign(ticket, engineer_user)
    move(ticket, Status.ACCEPTED, engineer_user)
    ticket_event_record(
        ticket=ticket, kind="customer_call", actor=engineer_user, data={"outcome": "reached"}
    )
    t0.shift(dt.timedelta(hours=4, minutes=1))
    sla_sweep()
    assert clock(ticket, "arrival").state == S.BREACHED
    t0.shift(dt.timedelta(minutes=29))
    move(ticket, Status.EN_ROUTE, engineer_user)
    move(ticket, Status.ON_SITE, engineer_user)
    arrival = clock(ticket, "arrival")
    assert arrival.late_seconds == 30 * 60
    late = TicketEvent.objects.get(ticket=ticket, kind="late_arrival")
    assert late.data["late_minutes"] == 30
    assert late.data["compensation_cny"] == "50.00"


def test_waiting_for_parts_pauses_and_resumes_completion(sla_world, t0, engineer_user):
    ticket = make_ticket()
    assign(ticket, engineer_user)
    move(ticket, Status.ACCEPTED, engineer_user)
    move(ticket, Status.EN_ROUTE, engineer_user)
    move(ticket, Status.ON_SITE, engineer_user)
    t0.shift(dt.timedelta(hours=2))
    move(ticket, Status.WAITING_FOR_PARTS, engineer_user, reason="compressor on order")
    completion = clock(ticket, "completion")
    assert completion.state == S.PAUSED
    assert completion.pause_reason == "compressor on order"
    assert completion.used_seconds == 2 * 3600
    t0.shift(dt.timedelta(hours=30))
    sla_sweep()
    assert clock(ticket, "completion").state == S.PAUSED  # a paused clock never breaches
    move(ticket, Status.SCHEDULED, engineer_user)
    completion = clock(ticket, "completion")
    assert completion.state == S.RUNNING
    assert completion.paused_seconds == 30 * 3600
    assert completion.due_at == timezone.now() + dt.timedelta(hours=46)


def test_customer_postponed_pauses_until_the_given_time(sla_world, t0, engineer_user):
    ticket = make_ticket()
    t0.shift(dt.timedelta(hours=1))
    until = timezone.now() + dt.timedelta(days=2)
    ticket_event_record(
        ticket=ticket,
        kind="customer_postponed",
        actor=None,
        data={"reason": "customer travelling", "until": until.isoformat()},
    )
    arrival = clock(ticket, "arrival")
    assert (arrival.state, arrival.pause_reason) == (S.PAUSED, "customer travelling")
    t0.move_to(until + dt.timedelta(seconds=1))
    sla_sweep()
    arrival = clock(ticket, "arrival")
    assert arrival.state == S.RUNNING
    assert arrival.due_at == timezone.now() + dt.timedelta(hours=3)  # one hour was used


def test_scheduled_window_and_consented_reschedule_move_appointment_arrival(
    sla_world, t0, engineer_user
):
    ticket = make_ticket(priority="appointment")
    assign(ticket, engineer_user)
    move(ticket, Status.ACCEPTED, engineer_user)
    end = timezone.now() + dt.timedelta(days=1, hours=3)
    move(
        ticket,
        Status.SCHEDULED,
        engineer_user,
        data={
            "window_start": (end - dt.timedelta(hours=2)).isoformat(),
            "window_end": end.isoformat(),
        },
    )
    assert clock(ticket, "arrival").due_at == end
    later = end + dt.timedelta(days=1)
    ticket_event_record(
        ticket=ticket,
        kind="rescheduled",
        actor=engineer_user,
        data={
            "window_start": end.isoformat(),
            "window_end": later.isoformat(),
            "customer_consent": False,
        },
    )
    assert clock(ticket, "arrival").due_at == end  # no consent, no move
    ticket_event_record(
        ticket=ticket,
        kind="rescheduled",
        actor=engineer_user,
        data={
            "window_start": end.isoformat(),
            "window_end": later.isoformat(),
            "customer_consent": True,
        },
    )
    assert clock(ticket, "arrival").due_at == later


def test_check_back_after_phone_guidance(sla_world, t0, agent):
    ticket = make_ticket()
    ticket_resolve_remotely(ticket=ticket, actor=agent, guidance="reset the breaker")
    check = clock(ticket, "check_back")
    assert check.due_at == timezone.now() + dt.timedelta(minutes=30)
    assert clock(ticket, "arrival").state == S.CANCELLED
    ticket_event_record(
        ticket=ticket, kind="customer_call", actor=agent, data={"outcome": "reached"}
    )
    assert clock(ticket, "check_back").state == S.MET


def test_callback_starts_at_completion_and_is_met_by_callback_done(
    sla_world, t0, engineer_user, agent
):
    ticket = make_ticket()
    assign(ticket, engineer_user)
    move(ticket, Status.ACCEPTED, engineer_user)
    move(ticket, Status.EN_ROUTE, engineer_user)
    move(ticket, Status.ON_SITE, engineer_user)
    move(ticket, Status.COMPLETED, engineer_user)
    assert clock(ticket, "completion").state == S.MET
    callback = clock(ticket, "callback")
    assert callback.due_at == timezone.now() + dt.timedelta(hours=48)
    move(ticket, Status.CALLBACK_DONE, agent)
    assert clock(ticket, "callback").state == S.MET


def test_complaint_clocks_by_reference(sla_world, t0, agent):
    ticket = make_ticket()
    ticket_event_record(
        ticket=ticket, kind="complaint_opened", actor=agent, data={"complaint_id": 7}
    )
    response = clock(ticket, "complaint_response")
    resolution = clock(ticket, "complaint_resolution")
    assert response.due_at == timezone.now() + dt.timedelta(hours=24)
    assert resolution.due_at == timezone.now() + dt.timedelta(hours=72)
    ticket_event_record(
        ticket=ticket, kind="complaint_responded", actor=agent, data={"complaint_id": 7}
    )
    assert clock(ticket, "complaint_response").state == S.MET
    assert clock(ticket, "complaint_resolution").state == S.RUNNING
    ticket_event_record(
        ticket=ticket, kind="complaint_resolved", actor=agent, data={"complaint_id": 7}
    )
    assert clock(ticket, "complaint_resolution").state == S.MET


def test_cancelling_the_ticket_cancels_its_clocks(sla_world, t0, agent):
    ticket = make_ticket()
    from tickets.services import ticket_cancel

    ticket_cancel(ticket=ticket, actor=agent, reason="customer fixed it")
    assert set(SlaClock.objects.filter(ticket=ticket).values_list("state", flat=True)) == {
        S.CANCELLED
    }
