"""Item 1: the check-back call after phone guidance."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from callbacks.models import Callback
from callbacks.services.checkbacks import check_back_log
from tickets.errors import DomainError
from tickets.lifecycle import CloseReason, Status
from tickets.models import SlaClock

from .conftest import resolved_by_phone

pytestmark = pytest.mark.django_db


def check_back_of(ticket):
    return Callback.objects.get(ticket=ticket, kind=Callback.Kind.CHECK_BACK)


def test_phone_resolution_puts_a_check_back_on_the_queue_due_with_its_clock(world, agent):
    ticket = resolved_by_phone(agent)
    callback = check_back_of(ticket)
    clock = SlaClock.objects.get(ticket=ticket, kind="check_back")
    assert callback.state == "open" and callback.due_at == clock.due_at


def test_fixed_closes_as_resolved_remotely_and_meets_the_clock(world, agent):
    ticket = resolved_by_phone(agent)
    check_back_log(callback=check_back_of(ticket), outcome="reached", result="fixed", actor=agent)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.close_reason == CloseReason.RESOLVED_REMOTELY
    assert SlaClock.objects.get(ticket=ticket, kind="check_back").state == "met"


def test_not_fixed_goes_to_dispatch_keeping_history_and_report_time(world, agent):
    ticket = resolved_by_phone(agent)
    reported = ticket.created_at
    check_back_log(
        callback=check_back_of(ticket), outcome="reached", result="not_fixed", actor=agent
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_DISPATCH
    assert ticket.created_at == reported
    event = ticket.events.filter(kind="status", to_status=Status.AWAITING_DISPATCH).last()
    assert event.data["sla_from"] == reported.isoformat()
    assert ticket.events.filter(to_status=Status.RESOLVED_REMOTELY).exists()
    assert SlaClock.objects.get(ticket=ticket, kind="check_back").state == "met"
    # The arrival and completion clocks count from the customer's first report.
    for kind in ("arrival", "completion"):
        live = SlaClock.objects.filter(ticket=ticket, kind=kind).exclude(state="cancelled")
        assert [c.started_at for c in live] == [reported]


def test_an_unanswered_call_does_not_meet_the_clock_and_is_retried(world, agent):
    ticket = resolved_by_phone(agent)
    callback = check_back_of(ticket)
    check_back_log(callback=callback, outcome="no_answer", actor=agent)
    callback.refresh_from_db()
    assert callback.state == "open" and callback.attempts == 1
    assert callback.next_attempt_at > timezone.now()
    assert SlaClock.objects.get(ticket=ticket, kind="check_back").state == "running"


def test_a_wrong_number_closes_the_check_back_as_unreachable_with_the_attempt_kept(world, agent):
    ticket = resolved_by_phone(agent)
    callback = check_back_of(ticket)
    check_back_log(callback=callback, outcome="wrong_number", actor=agent)
    callback.refresh_from_db()
    ticket.refresh_from_db()
    assert callback.state == "unreachable"
    assert list(callback.call_attempts.values_list("outcome", flat=True)) == ["wrong_number"]
    assert ticket.status == Status.CLOSED
    assert ticket.close_reason == CloseReason.CHECK_BACK_UNREACHABLE


def test_reached_needs_a_result(world, agent):
    ticket = resolved_by_phone(agent)
    with pytest.raises(DomainError) as exc:
        check_back_log(callback=check_back_of(ticket), outcome="reached", actor=agent)
    assert exc.value.field == "result"


def test_agent_works_the_check_back_from_the_queue(world, agent, client):
    ticket = resolved_by_phone(agent)
    client.force_login(agent)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        page = client.get(reverse("callback_queue"))
        assert ticket.number in page.content.decode()
        callback = check_back_of(ticket)
        response = client.post(
            reverse("callback_work", args=[callback.pk]),
            {"outcome": "reached", "result": "fixed", "note": "Cooling again"},
        )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_customer_will_call_back_closes_with_that_reason_and_meets_the_clock(world, agent):
    ticket = resolved_by_phone(agent)
    check_back_log(
        callback=check_back_of(ticket), outcome="reached", result="will_call_back", actor=agent
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.close_reason == CloseReason.CUSTOMER_WILL_CALL
    assert SlaClock.objects.get(ticket=ticket, kind="check_back").state == "met"
    assert check_back_of(ticket).result == "will_call_back"
