"""The timeline's "check-back due" is the check-back clock's deadline, set by the policy."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.sla.conftest import MONDAY_10, make_ticket
from tickets.models import SlaTarget
from tickets.services import ticket_resolve_remotely
from tickets.sla.services import ticket_change_priority

pytestmark = pytest.mark.django_db


def _timeline(client, ticket) -> str:
    html = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    return html[html.index('data-testid="timeline"') :]


def test_check_back_due_on_the_timeline_is_the_policys(client, supervisor, sla_world):
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = make_ticket()
        SlaTarget.objects.filter(kind="check_back").update(minutes=45)
        ticket_resolve_remotely(ticket=ticket, actor=supervisor, guidance="Reset the breaker")
        client.force_login(supervisor)
        timeline = _timeline(client, ticket)
    assert "<dt>check-back due</dt><dd>2026-03-02 10:45</dd>" in timeline
    assert "10:30</dd>" not in timeline


def test_check_back_due_follows_a_recomputed_clock(client, supervisor, sla_world):
    with time_machine.travel(MONDAY_10, tick=False) as t:
        ticket = make_ticket()
        SlaTarget.objects.filter(kind="check_back", policy__priority="normal").update(minutes=60)
        ticket_resolve_remotely(ticket=ticket, actor=supervisor, guidance="Reset the breaker")
        t.shift(dt.timedelta(minutes=10))
        ticket_change_priority(ticket=ticket, priority="emergency", actor=supervisor, reason="x")
        client.force_login(supervisor)
        timeline = _timeline(client, ticket)
    # 10 of the emergency policy's 30 minutes were used at the change.
    assert "<dt>check-back due</dt><dd>2026-03-02 10:30</dd>" in timeline
