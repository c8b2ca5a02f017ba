"""A free revisit of a repeat fault goes preferably to another engineer than the first job's
(named by the callbacks app in its `revisit_opened` event), but still to them when nobody
else can take it."""

import re

import pytest

from dispatch import services
from tests.dispatch.factories import EngineerFactory
from tickets.services import ticket_event_record

pytestmark = pytest.mark.django_db


def _revisit(make_ticket, first, avoid_user_id):
    revisit = make_ticket(appliance=first.appliance, related_ticket=first)
    ticket_event_record(
        ticket=revisit,
        kind="revisit_opened",
        actor=None,
        data={"dispatch_first": True, "avoid_engineer_user_id": avoid_user_id},
    )
    return revisit


def test_a_revisit_goes_to_another_engineer_when_one_can_take_it(make_ticket):
    near = EngineerFactory(home_lat=36.07, home_lng=120.38)
    farther = EngineerFactory(home_lat=36.10, home_lng=120.40)
    first = make_ticket()
    assert services.ticket_dispatch_auto(ticket_id=first.pk).engineer == near  # the best
    revisit = _revisit(make_ticket, first, near.user_id)
    assert services.ticket_dispatch_auto(ticket_id=revisit.pk).engineer == farther


def test_the_first_engineer_still_takes_the_revisit_when_alone(make_ticket):
    only = EngineerFactory(home_lat=36.07, home_lng=120.38)
    first = make_ticket()
    services.ticket_dispatch_auto(ticket_id=first.pk)
    revisit = _revisit(make_ticket, first, only.user_id)
    assert services.ticket_dispatch_auto(ticket_id=revisit.pk).engineer == only


def test_a_waiting_revisit_heads_the_dispatchers_queue(make_ticket, client, dispatcher):
    EngineerFactory(skills=["tv"])  # nobody can take a fridge: the tickets wait
    older = make_ticket()
    first = make_ticket()
    revisit = _revisit(make_ticket, first, None)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(dispatcher)
    html = client.get("/dispatch/").content.decode()
    rows = re.findall(r'data-ticket="([^"]+)"', html)
    assert rows.index(revisit.number) < rows.index(older.number) < rows.index(first.number)
    row = html[html.index(f'data-ticket="{revisit.number}"') :].split("</tr>")[0]
    assert "Free revisit" in row
