"""The customer's private link, and language / time zone on the pages."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tickets.lifecycle import Status
from tickets.services import ticket_event_record, ticket_transition

pytestmark = pytest.mark.django_db


def _walk_to_en_route(ticket, engineer):
    ticket_transition(
        ticket=ticket, to=Status.ASSIGNED, actor=None, data={"engineer_name": "Liu Qiang"}
    )
    ticket_transition(ticket=ticket, to=Status.ACCEPTED, actor=engineer)
    ticket_transition(
        ticket=ticket,
        to=Status.SCHEDULED,
        actor=engineer,
        data={
            "window_start": "2026-06-02T01:00:00+00:00",
            "window_end": "2026-06-02T03:00:00+00:00",
            "engineer_name": "Liu Qiang",
        },
    )


def test_customer_link_shows_progress_and_nothing_of_anyone_else(
    client, ticket_a, engineer, agent_a
):
    _walk_to_en_route(ticket_a, engineer)
    ticket_event_record(
        ticket=ticket_a,
        kind="rescheduled",
        actor=agent_a,
        reason="Customer at work until 11",
        data={
            "window_start": "2026-06-02T03:00:00+00:00",
            "window_end": "2026-06-02T05:00:00+00:00",
        },
    )
    ticket_transition(
        ticket=ticket_a,
        to=Status.EN_ROUTE,
        actor=engineer,
        data={"eta": "2026-06-02T03:40:00+00:00", "engineer_name": "Liu Qiang"},
    )
    response = client.get(
        reverse("ticket_track", args=[ticket_a.public_token]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "same-origin"
    body = response.content.decode()
    assert ticket_a.number in body
    assert "On the way" in body
    assert (
        ticket_a.appliance.get_category_display() in body
        and ticket_a.appliance.model_number in body
    )
    # The rescheduled window (Shanghai time, read naturally) and the ETA, with the engineer's
    # first name only.
    assert re.search(r"Tue 2 Jun( 2026)? 11:00 – 13:00", body)
    assert "Liu is on the way, arriving around 11:40" in body
    assert "Qiang" not in body
    # Nothing of anyone else.
    customer = ticket_a.customer
    for secret in (
        customer.mobile,
        customer.national_number(),
        customer.name,
        ticket_a.address.line,
        "8 Zhongshan",
        agent_a.username,
        engineer.username,
        "Customer at work",
        ticket_a.fault_description,
        ticket_a.appliance.serial_number,
    ):
        assert secret not in body, secret
    assert 'class="mainnav"' not in body
    assert 'id="service-report"' in body


def test_customer_link_before_dispatch_and_out_of_warranty(client, out_of_warranty_ticket):
    body = client.get(
        reverse("ticket_track", args=[out_of_warranty_ticket.public_token]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "Awaiting fee acceptance" in body
    assert "out of warranty" in body
    assert 'data-testid="eta"' not in body and 'data-testid="window"' not in body
    assert 'aria-current="step">Registered' in body


def test_eta_disappears_once_the_engineer_is_on_site(client, ticket_a, engineer):
    _walk_to_en_route(ticket_a, engineer)
    ticket_transition(
        ticket=ticket_a,
        to=Status.EN_ROUTE,
        actor=engineer,
        data={"eta": "2026-06-02T02:40:00+00:00"},
    )
    ticket_transition(ticket=ticket_a, to=Status.ON_SITE, actor=engineer)
    body = client.get(
        reverse("ticket_track", args=[ticket_a.public_token]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "arriving around" not in body
    assert 'aria-current="step">Repair in progress' in body


def test_unknown_token_is_404(client, ticket_a):
    assert client.get(reverse("ticket_track", args=["not-a-real-token"])).status_code == 404
    assert client.get(reverse("ticket_track", args=[ticket_a.public_token[:-1]])).status_code == 404


def test_default_language_is_chinese_and_the_browser_and_switcher_change_it(
    client, agent_a, settings
):
    settings.LANGUAGE_CODE = "zh-hans"  # the product's default (tests otherwise read English)
    client.force_login(agent_a)
    assert '<html lang="zh-hans">' in client.get(reverse("agent_console")).content.decode()
    english = client.get(reverse("agent_console"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="en">' in english.content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/console/"})
    assert response.status_code == 302 and response["Location"] == "/console/"
    body = client.get(reverse("agent_console"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in body
    assert 'name="language"' in body


def test_customer_link_shows_shanghai_times(client, area_a, agent_a, warranty_policies):
    from tests.console.conftest import make_appliance
    from tests.factories import ticket_create

    with time_machine.travel(dt.datetime(2026, 1, 1, 20, 15, tzinfo=dt.UTC), tick=False):
        ticket = ticket_create(appliance=make_appliance(area_a), actor=agent_a)
    body = client.get(reverse("ticket_track", args=[ticket.public_token])).content.decode()
    assert re.search(r"Fri 2 Jan( 2026)? 04:15", body)


def test_the_progress_line_dates_each_step_in_the_pages_language(
    client, area_a, agent_a, engineer, warranty_policies
):
    from tests.console.conftest import make_appliance
    from tests.factories import ticket_create

    # 2026-01-02 04:15 in Shanghai, a Friday; assigned at 09:30.
    with time_machine.travel(dt.datetime(2026, 1, 1, 20, 15, tzinfo=dt.UTC), tick=False):
        ticket = ticket_create(appliance=make_appliance(area_a), actor=agent_a)
    with time_machine.travel(dt.datetime(2026, 1, 2, 1, 30, tzinfo=dt.UTC), tick=False):
        ticket_transition(ticket=ticket, to=Status.ASSIGNED, actor=None)
        url = reverse("ticket_track", args=[ticket.public_token])
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    progress = english.split('class="progress"')[1].split("</ol>")[0]
    assert re.search(r'class="done">Registered <time[^>]*>Fri 2 Jan 04:15</time>', progress)
    assert re.search(r'aria-current="step">Engineer assigned <time[^>]*>Fri 2 Jan 09:30<', progress)
    assert "Visit booked <time" not in progress  # not reached: no date
    assert "Fri 2 Jan 04:15</time> Registered" in english  # the history reads the same way
    progress = chinese.split('class="progress"')[1].split("</ol>")[0]
    assert "1月2日 星期五 04:15" in progress and "1月2日 星期五 09:30" in progress
    assert ">2026-01-02" not in chinese and "Fri" not in chinese
