"""Dispatch starts by itself: the hook queues the task, the task and the sweep are idempotent."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from dispatch import services, tasks
from dispatch.models import Assignment, QueueEntry
from tests.dispatch.factories import EngineerFactory
from tickets.sla.models import TaskOutbox

pytestmark = pytest.mark.django_db


def test_a_ticket_entering_awaiting_dispatch_queues_the_auto_dispatch_task(make_ticket):
    EngineerFactory()
    ticket = make_ticket()
    row = TaskOutbox.objects.get(name="dispatch.tasks.auto_dispatch")
    assert row.kwargs == {"ticket_id": ticket.pk}
    # What the worker runs; a second delivery does nothing.
    assert tasks.auto_dispatch(**row.kwargs) is not None
    assert tasks.auto_dispatch(**row.kwargs) is None
    assert Assignment.objects.filter(ticket=ticket).count() == 1


def test_the_sweep_dispatches_tickets_still_waiting_and_retries_the_queue(make_ticket):
    ticket = make_ticket()  # nobody can take it yet
    assert services.ticket_dispatch_auto(ticket_id=ticket.pk) is None
    entry = QueueEntry.objects.get(ticket=ticket)
    EngineerFactory()  # someone joins
    assert services.tickets_dispatch_waiting() == 0  # not due yet
    with time_machine.travel(entry.next_attempt_at + dt.timedelta(seconds=1)):
        result = tasks.sweep()
    assert result["dispatched"] == 1
    assert Assignment.objects.live().get(ticket=ticket)
    assert not QueueEntry.objects.filter(ticket=ticket).exists()


def test_the_sweep_picks_up_a_ticket_whose_task_was_never_run(make_ticket):
    EngineerFactory()
    ticket = make_ticket()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert services.tickets_dispatch_waiting() == 1
    ticket.refresh_from_db()
    assert ticket.status == "assigned"


def test_the_beat_schedule_runs_the_dispatch_sweep():
    from config.celery import app

    assert app.conf.beat_schedule["dispatch-sweep"]["task"] == "dispatch.tasks.sweep"


def test_dispatcher_reschedules_with_consent_on_the_console(client, dispatcher, make_ticket):
    engineer = EngineerFactory()
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    services.assignment_accept(engineer=engineer, ticket_id=ticket.pk)
    tz = timezone.get_default_timezone()
    day = timezone.localdate() + dt.timedelta(days=1)
    services.appointment_book(
        engineer=engineer,
        ticket_id=ticket.pk,
        window_start=dt.datetime.combine(day, dt.time(9), tzinfo=tz),
        window_end=dt.datetime.combine(day, dt.time(11), tzinfo=tz),
    )
    client.force_login(dispatcher)
    form = {"day": day.isoformat(), "start": "14:00", "end": "16:00", "reason": "Customer call"}
    response = client.post(f"/dispatch/tickets/{ticket.pk}/reschedule/", form)
    assert response.status_code == 400
    assert "consent" in response.content.decode()
    response = client.post(
        f"/dispatch/tickets/{ticket.pk}/reschedule/", {**form, "customer_consent": "on"}
    )
    assert response.status_code == 302
    event = ticket.events.get(kind="rescheduled")
    assert event.data["customer_consent"] is True and event.actor == dispatcher
