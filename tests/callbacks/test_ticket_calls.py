"""The desk's ticket page lists the ticket's calls: a skipped follow-up says why there, a
finished call can be opened from its ticket, deep callbacks only for supervisors."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from callbacks.models import Callback
from callbacks.services.call_logging import follow_up_log

from .conftest import GOOD, completed_job, follow_up_of

pytestmark = pytest.mark.django_db


def _page(client, user, ticket) -> str:
    client.force_login(user)
    response = client.get(reverse("ticket_detail", args=[ticket.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_skipped_follow_up_says_why_on_the_ticket_page(world, engineer_user, agent, client):
    first = completed_job(engineer_user)
    follow_up_log(callback=follow_up_of(first), outcome="reached", actor=agent, survey=GOOD)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        second = completed_job(engineer_user, appliance=first.appliance)
        skipped = follow_up_of(second)
        page = _page(client, agent, second)
    assert skipped.state == "skipped"
    assert 'data-testid="ticket-calls"' in page
    assert "Skipped because: Customer surveyed in the last days" in page
    assert reverse("callback_work", args=[skipped.pk]) in page


def test_deep_callbacks_show_to_supervisors_only(world, engineer_user, agent, supervisor, client):
    ticket = completed_job(engineer_user)
    follow_up_log(
        callback=follow_up_of(ticket), outcome="reached", actor=agent, survey={**GOOD, "speed": 2}
    )
    deep = Callback.objects.get(ticket=ticket, kind="deep")
    work = reverse("callback_work", args=[deep.pk])
    as_agent = _page(client, agent, ticket)
    assert "Survey answered" in as_agent and work not in as_agent
    assert work in _page(client, supervisor, ticket)
