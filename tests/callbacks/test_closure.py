"""Item 8: every ticket ends closed with a reason; nothing is left hanging."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from callbacks.models import HangingTicket
from callbacks.services.call_logging import follow_up_log
from callbacks.services.closure import hanging_sweep, ticket_close_if_done
from tickets import hooks
from tickets.lifecycle import CloseReason, Status
from tickets.services import ticket_cancel

from .conftest import GOOD, completed_job, follow_up_of, new_ticket

pytestmark = pytest.mark.django_db


def test_a_completed_job_stays_open_while_its_callback_is_open(world, engineer_user):
    ticket = completed_job(engineer_user)
    assert hooks.close_blockers(ticket=ticket) == ["open_callback"]
    assert ticket_close_if_done(ticket=ticket) == Status.COMPLETED


def test_another_apps_blocker_keeps_the_ticket_open_until_it_clears(world, engineer_user, agent):
    blocking = {"on": True}

    def open_complaint(*, ticket):
        return ["open_complaint"] if blocking["on"] else []

    hooks.add_close_blocker(open_complaint)
    try:
        ticket = completed_job(engineer_user)
        follow_up_log(callback=follow_up_of(ticket), outcome="reached", actor=agent, survey=GOOD)
        ticket.refresh_from_db()
        assert ticket.status == Status.CALLBACK_DONE
        blocking["on"] = False
        from callbacks.services.sweep import callbacks_sweep

        assert callbacks_sweep()["closed"] == 1
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        assert ticket.close_reason == CloseReason.CALLBACK_DONE
    finally:
        hooks._many[hooks.CLOSE_BLOCKERS].remove(open_complaint)


def test_a_cancellation_carries_its_reason(world, agent):
    ticket = new_ticket()
    ticket_cancel(ticket=ticket, actor=agent, reason="Customer bought a new fridge")
    ticket.refresh_from_db()
    assert ticket.status == Status.CANCELLED and ticket.close_reason


def test_the_daily_sweep_lists_tickets_stuck_in_one_status(world, supervisor, client):
    stuck = new_ticket()
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        fresh = new_ticket()
        assert hanging_sweep() == 1
        assert hanging_sweep() == 0  # once a day
        client.force_login(supervisor)
        page = client.get(reverse("callback_hanging")).content.decode()
    assert HangingTicket.objects.get().ticket_id == stuck.pk
    assert stuck.number in page and fresh.number not in page


def test_the_supervisor_board_shows_what_is_left_hanging(world, supervisor, dispatcher, client):
    from tickets.services import ticket_cancel

    stuck, moved_on = new_ticket(), new_ticket()
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        assert hanging_sweep() == 2
        # handled since the sweep found it: no longer hanging
        ticket_cancel(ticket=moved_on, actor=supervisor, reason="Duplicate of a phone call")
        client.force_login(supervisor)
        board = client.get(reverse("supervisor_board")).content.decode()
        full = client.get(reverse("callback_hanging")).content.decode()
        client.force_login(dispatcher)
        dispatchers = client.get(reverse("supervisor_board")).content.decode()
    assert 'data-testid="board-hanging"' in board
    assert stuck.number in board and reverse("callback_hanging") in board
    assert moved_on.number not in board and moved_on.number not in full
    assert 'data-testid="board-hanging"' not in dispatchers
