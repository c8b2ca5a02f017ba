"""Accept/decline chains, timeouts, the queue, manual assignment, calls and visits."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from dispatch import selectors, services, tasks
from dispatch.models import Appointment, Assignment, QueueEntry
from tests.dispatch.factories import EngineerFactory, km_north
from tickets import hooks
from tickets.errors import Conflict, DomainError, NotFound
from tickets.models import OutboundMessage, TicketEvent
from tickets.sla.models import TaskOutbox
from tickets.sla.services import sla_sweep

pytestmark = pytest.mark.django_db

LAT = 36.07


def three_engineers():
    """Nearest first: a (1 km), b (2 km), c (3 km)."""
    return [EngineerFactory(home_lat=km_north(LAT, km)) for km in (1, 2, 3)]


def assigned(ticket):
    return Assignment.objects.live().get(ticket=ticket)


def test_decline_goes_to_the_next_candidate_and_never_back(make_ticket):
    a, b, c = three_engineers()
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    assert assigned(ticket).engineer == a
    services.assignment_decline(engineer=a, ticket_id=ticket.pk, reason="Too far")
    assert assigned(ticket).engineer == b
    services.assignment_decline(engineer=b, ticket_id=ticket.pk, reason="Fully booked")
    assert assigned(ticket).engineer == c
    services.assignment_decline(engineer=c, ticket_id=ticket.pk, reason="Unwell")
    ticket.refresh_from_db()
    assert ticket.status == "awaiting_dispatch"
    assert not Assignment.objects.live().filter(ticket=ticket).exists()
    entry = QueueEntry.objects.get(ticket=ticket)
    assert entry.reason == QueueEntry.Reason.DECLINED
    assert entry.returned_reason == "Unwell"
    failed = TicketEvent.objects.filter(ticket=ticket, kind="dispatch_failed").last()
    assert failed.data["reason_code"] == "all_declined"
    declines = TicketEvent.objects.filter(ticket=ticket, kind="status", from_status="assigned")
    assert [e.reason for e in declines] == ["Too far", "Fully booked", "Unwell"]


def test_decline_needs_a_reason(make_ticket):
    (a,) = [EngineerFactory()]
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    with pytest.raises(DomainError) as exc:
        services.assignment_decline(engineer=a, ticket_id=ticket.pk, reason=" ")
    assert exc.value.field == "reason"
    assert assigned(ticket).engineer == a


def run_queued_dispatches():
    for row in TaskOutbox.objects.filter(name="dispatch.tasks.auto_dispatch", sent_at=None):
        tasks.auto_dispatch(**row.kwargs)
        TaskOutbox.objects.filter(pk=row.pk).update(sent_at=timezone.now())


def test_accept_timeout_passes_the_job_on_and_the_sweep_is_idempotent(make_ticket):
    a, b, _c = three_engineers()
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    due = assigned(ticket).accept_due_at
    with time_machine.travel(due - dt.timedelta(seconds=1)):
        assert sla_sweep()["handed_back"] == 0
    with time_machine.travel(due + dt.timedelta(seconds=1)):
        assert sla_sweep()["handed_back"] == 1
        assert sla_sweep()["handed_back"] == 0
        run_queued_dispatches()
    first = Assignment.objects.get(ticket=ticket, engineer=a)
    assert first.state == "timed_out" and first.end_code == "accept_timeout"
    assert assigned(ticket).engineer == b


def test_accepted_job_does_not_time_out(make_ticket):
    a, *_ = three_engineers()
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    services.assignment_accept(engineer=a, ticket_id=ticket.pk)
    services.assignment_accept(engineer=a, ticket_id=ticket.pk)  # twice is harmless
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        assert sla_sweep()["handed_back"] == 0
    ticket.refresh_from_db()
    assert ticket.status == "accepted"
    assert ticket.events.filter(to_status="accepted").count() == 1


def test_breached_contact_clock_redispatches_through_the_hook(make_ticket):
    a, b, _c = three_engineers()
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    services.assignment_accept(engineer=a, ticket_id=ticket.pk)
    hooks.redispatch(ticket=ticket, reason="Contact clock breached", actor=None)
    assert Assignment.objects.get(ticket=ticket, engineer=a).state == "timed_out"
    ticket.refresh_from_db()
    assert ticket.status == "awaiting_dispatch"
    # The worker runs the queued auto-dispatch right after commit.
    row = TaskOutbox.objects.filter(name="dispatch.tasks.auto_dispatch").last()
    assert row.kwargs == {"ticket_id": ticket.pk}
    tasks.auto_dispatch(**row.kwargs)
    assert assigned(ticket).engineer == b
    # a is never offered it again, even when b declines
    services.assignment_decline(engineer=b, ticket_id=ticket.pk, reason="Too far")
    assert assigned(ticket).engineer not in (a, b)


def test_nobody_certified_queues_with_that_reason_once(make_ticket):
    EngineerFactory(level=1)
    ticket = make_ticket(fault_class="complex")
    assert services.ticket_dispatch_auto(ticket_id=ticket.pk) is None
    assert services.ticket_dispatch_auto(ticket_id=ticket.pk) is None
    entry = QueueEntry.objects.get(ticket=ticket)
    assert entry.reason == "no_certification" and entry.attempts == 2
    assert TicketEvent.objects.filter(ticket=ticket, kind="dispatch_failed").count() == 1


def test_all_at_capacity_is_the_reason_when_everyone_is_full(make_ticket):
    e = EngineerFactory(max_concurrent=1)
    Assignment.objects.create(ticket=make_ticket(), engineer=e, state="accepted")
    ticket = make_ticket()
    assert services.ticket_dispatch_auto(ticket_id=ticket.pk) is None
    assert QueueEntry.objects.get(ticket=ticket).reason == "all_at_capacity"


def test_dispatching_an_assigned_ticket_is_a_conflict(make_ticket):
    EngineerFactory()
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    with pytest.raises(Conflict) as exc:
        services.ticket_dispatch_auto(ticket_id=ticket.pk)
    assert exc.value.code == "already_assigned"


def test_manual_assignment_needs_a_reason_respects_capacity_and_counts_in_the_kpi(
    make_ticket, dispatcher
):
    auto_pick, other = three_engineers()[:2]
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    with pytest.raises(DomainError) as exc:
        services.ticket_assign_manual(
            ticket_id=ticket.pk, engineer_id=other.pk, reason="", actor=dispatcher
        )
    assert exc.value.field == "reason"
    full = EngineerFactory(max_concurrent=1)
    Assignment.objects.create(ticket=make_ticket(), engineer=full, state="accepted")
    with pytest.raises(services.OverrideNeeded) as exc:
        services.ticket_assign_manual(
            ticket_id=ticket.pk, engineer_id=full.pk, reason="Knows the customer", actor=dispatcher
        )
    assert exc.value.field == "confirm_rules" and exc.value.rules == ["at_capacity"]
    a = services.ticket_assign_manual(
        ticket_id=ticket.pk, engineer_id=other.pk, reason="Knows the customer", actor=dispatcher
    )
    assert a.manual and a.assigned_by == dispatcher and a.manual_reason == "Knows the customer"
    assert Assignment.objects.get(ticket=ticket, engineer=auto_pick).state == "reassigned"
    assert assigned(ticket).engineer == other
    today = selectors.manual_share_by_day(days=1)[0]
    # 1 automatic + the 1 used to fill `full` (automatic, created directly) + 1 manual
    assert today["manual"] == 1 and today["total"] == 3
    assert today["share"] == pytest.approx(1 / 3)


def accepted_job(make_ticket, engineer=None, **kw):
    engineer = engineer or EngineerFactory()
    ticket = make_ticket(**kw)
    a = services.ticket_dispatch_auto(ticket_id=ticket.pk)
    assert a.engineer == engineer
    services.assignment_accept(engineer=engineer, ticket_id=ticket.pk)
    ticket.refresh_from_db()
    return engineer, ticket


def test_call_no_answer_sets_a_retry_texts_the_customer_and_the_sweep_reminds(make_ticket):
    engineer, ticket = accepted_job(make_ticket)
    event = services.customer_call_log(engineer=engineer, ticket_id=ticket.pk, outcome="no_answer")
    assert event.kind == "customer_call" and event.data["outcome"] == "no_answer"
    assert event.data["engineer_user_id"] == engineer.user_id
    a = assigned(ticket)
    assert a.call_retry_due_at is not None
    assert OutboundMessage.objects.filter(ticket=ticket, purpose="call_missed").count() == 1
    assert services.call_retries_due() == 0
    with time_machine.travel(a.call_retry_due_at + dt.timedelta(seconds=1)):
        assert services.call_retries_due() == 1
        assert services.call_retries_due() == 0
    assert TicketEvent.objects.filter(ticket=ticket, kind="call_retry_due").count() == 1
    services.customer_call_log(engineer=engineer, ticket_id=ticket.pk, outcome="reached")
    assert assigned(ticket).call_retry_due_at is None


def test_bad_call_outcome_is_refused(make_ticket):
    engineer, ticket = accepted_job(make_ticket)
    with pytest.raises(DomainError) as exc:
        services.customer_call_log(engineer=engineer, ticket_id=ticket.pk, outcome="maybe")
    assert exc.value.field == "outcome"


def tomorrow_at(hour, minute=0):
    tz = timezone.get_default_timezone()
    day = timezone.localdate() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)


def test_booking_sets_scheduled_with_the_window_and_refuses_a_clash_naming_it(make_ticket):
    engineer, first = accepted_job(make_ticket)
    services.appointment_book(
        engineer=engineer,
        ticket_id=first.pk,
        window_start=tomorrow_at(9),
        window_end=tomorrow_at(11),
    )
    first.refresh_from_db()
    assert first.status == "scheduled"
    event = first.events.get(to_status="scheduled")
    assert event.data["window_start"] == tomorrow_at(9).astimezone(dt.UTC).isoformat()
    assert event.data["window_end"] == tomorrow_at(11).astimezone(dt.UTC).isoformat()
    assert OutboundMessage.objects.filter(ticket=first, purpose="visit_booked").exists()

    # A second job 10 km away: 26 minutes' travel after the first visit.
    _e, second = accepted_job(make_ticket, engineer=engineer, lat=km_north(LAT, 10))
    with pytest.raises(DomainError) as exc:
        services.appointment_book(
            engineer=engineer,
            ticket_id=second.pk,
            window_start=tomorrow_at(11, 25),
            window_end=tomorrow_at(12, 30),
        )
    assert exc.value.field == "window_start"
    assert first.number in exc.value.message and "26" in exc.value.message
    second.refresh_from_db()
    assert second.status == "accepted"
    # Exactly the travel time after: allowed (touching windows are fine).
    services.appointment_book(
        engineer=engineer,
        ticket_id=second.pk,
        window_start=tomorrow_at(11, 26),
        window_end=tomorrow_at(12, 30),
    )
    second.refresh_from_db()
    assert second.status == "scheduled"


def test_reschedule_needs_consent_records_it_and_texts_the_customer(make_ticket):
    engineer, ticket = accepted_job(make_ticket)
    services.appointment_book(
        engineer=engineer,
        ticket_id=ticket.pk,
        window_start=tomorrow_at(9),
        window_end=tomorrow_at(11),
    )
    with pytest.raises(DomainError) as exc:
        services.appointment_reschedule(
            ticket_id=ticket.pk,
            window_start=tomorrow_at(14),
            window_end=tomorrow_at(16),
            customer_consent=False,
            actor=engineer.user,
            engineer=engineer,
        )
    assert exc.value.field == "customer_consent"
    services.appointment_reschedule(
        ticket_id=ticket.pk,
        window_start=tomorrow_at(14),
        window_end=tomorrow_at(16),
        customer_consent=True,
        actor=engineer.user,
        engineer=engineer,
        reason="Customer busy in the morning",
    )
    event = TicketEvent.objects.get(ticket=ticket, kind="rescheduled")
    assert event.data["customer_consent"] is True
    assert event.data["window_start"] == tomorrow_at(14).astimezone(dt.UTC).isoformat()
    assert OutboundMessage.objects.filter(ticket=ticket, purpose="visit_rescheduled").exists()
    booked = Appointment.objects.get(ticket=ticket, state="booked")
    assert booked.window_start == tomorrow_at(14)


def test_on_my_way_records_the_eta_once(make_ticket):
    engineer, ticket = accepted_job(make_ticket)
    services.appointment_book(
        engineer=engineer,
        ticket_id=ticket.pk,
        window_start=tomorrow_at(9),
        window_end=tomorrow_at(11),
    )
    with time_machine.travel(tomorrow_at(8, 30)):
        services.engineer_on_my_way(engineer=engineer, ticket_id=ticket.pk, eta_minutes=25)
        services.engineer_on_my_way(engineer=engineer, ticket_id=ticket.pk, eta_minutes=25)
    ticket.refresh_from_db()
    assert ticket.status == "en_route"
    event = ticket.events.get(to_status="en_route")
    assert event.data["eta"] == tomorrow_at(8, 55).astimezone(dt.UTC).isoformat()


def test_an_engineer_cannot_act_on_another_engineers_job(make_ticket):
    engineer, ticket = accepted_job(make_ticket)
    other = EngineerFactory(home_lat=km_north(LAT, 30))
    for call in (
        lambda: services.assignment_accept(engineer=other, ticket_id=ticket.pk),
        lambda: services.customer_call_log(engineer=other, ticket_id=ticket.pk, outcome="reached"),
        lambda: services.assignment_decline(engineer=other, ticket_id=ticket.pk, reason="x"),
        lambda: services.appointment_book(
            engineer=other,
            ticket_id=ticket.pk,
            window_start=tomorrow_at(9),
            window_end=tomorrow_at(10),
        ),
        lambda: selectors.ticket_get_for_engineer(engineer=other, ticket_id=ticket.pk),
    ):
        with pytest.raises(NotFound):
            call()


def test_a_job_reassigned_away_disappears_from_the_engineers_list(make_ticket, dispatcher):
    engineer, ticket = accepted_job(make_ticket)
    assert [j.ticket for j in selectors.engineer_jobs(engineer=engineer)["today"]] == [ticket]
    other = EngineerFactory(home_lat=km_north(LAT, 30))
    services.ticket_assign_manual(
        ticket_id=ticket.pk,
        engineer_id=other.pk,
        reason="Closer to next job",
        actor=dispatcher,
        confirm_rules=["too_far"],
    )
    assert selectors.engineer_jobs(engineer=engineer)["today"] == []
    assert [j.ticket for j in selectors.engineer_jobs(engineer=other)["today"]] == [ticket]
