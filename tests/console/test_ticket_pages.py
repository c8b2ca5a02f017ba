"""The ticket list (filters, search, keyset paging) and the ticket page with its actions."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.console.conftest import make_appliance
from tests.factories import ticket_create
from tickets.errors import TransitionNotAllowed
from tickets.lifecycle import Status
from tickets.services import ticket_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, agent_a):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(agent_a)
    return client


def _numbers(response) -> list[str]:
    import re

    return re.findall(r'class="mono" href="/tickets/\d+/">(SR-[\d-]+)<', response.content.decode())


@pytest.fixture
def many(area_a, agent_a, warranty_policies, fee_schedule):
    """55 tickets a minute apart, newest last; every 5th emergency, every 3rd out of warranty."""
    tickets = []
    start = dt.datetime(2026, 5, 1, 1, 0, tzinfo=dt.UTC)
    for i in range(55):
        with time_machine.travel(start + dt.timedelta(minutes=i), tick=False):
            appliance = make_appliance(
                area_a, mobile=f"+86138{i:08d}", days_old=900 if i % 3 == 0 else 100
            )
            tickets.append(
                ticket_create(
                    appliance=appliance,
                    actor=agent_a,
                    priority="emergency" if i % 5 == 0 else "normal",
                    channel="web" if i % 2 else "hotline",
                )
            )
    return tickets


def test_list_pages_newest_first_without_counting(desk, many, django_assert_max_num_queries):
    with django_assert_max_num_queries(11) as captured:  # cold master-data cache
        first = desk.get(reverse("ticket_list"))
    # The only count is the bounded one: over a LIMITed subquery, never the whole table.
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 1001" in counts[0]
    numbers = _numbers(first)
    assert numbers == [t.number for t in reversed(many)][:50]
    body = first.content.decode()
    assert 'rel="next"' in body and 'rel="prev"' not in body

    import re

    after = re.search(r'after=([\w-]+)"', body).group(1)
    second = desk.get(reverse("ticket_list"), {"after": after})
    assert _numbers(second) == [t.number for t in reversed(many)][50:]
    body2 = second.content.decode()
    assert 'rel="next"' not in body2
    before = re.search(r'before=([\w-]+)"', body2).group(1)
    back = desk.get(reverse("ticket_list"), {"before": before})
    assert _numbers(back) == numbers


def test_list_filters(desk, many, area_a):
    url = reverse("ticket_list")
    fee = [t.number for t in many if t.status == Status.AWAITING_FEE_ACCEPTANCE]
    assert set(_numbers(desk.get(url, {"status": "awaiting_fee_acceptance"}))) == set(fee)
    emergency = {t.number for t in many if t.priority == "emergency"}
    assert set(_numbers(desk.get(url, {"priority": "emergency"}))) == emergency
    web = {t.number for t in many if t.channel == "web"}
    assert set(_numbers(desk.get(url, {"channel": "web"}))) == web
    assert len(_numbers(desk.get(url, {"area": area_a.pk}))) == 50
    combined = desk.get(
        url, {"status": "awaiting_dispatch", "priority": "emergency", "channel": "web"}
    )
    expected = {
        t.number
        for t in many
        if t.status == "awaiting_dispatch" and t.priority == "emergency" and t.channel == "web"
    }
    assert set(_numbers(combined)) == expected


def test_list_date_range_uses_shanghai_days(desk, area_a, agent_a, warranty_policies):
    # 2026-05-01 23:30 in Shanghai is 15:30 UTC; 2026-05-02 00:30 in Shanghai is 16:30 UTC.
    with time_machine.travel(dt.datetime(2026, 5, 1, 15, 30, tzinfo=dt.UTC), tick=False):
        late = ticket_create(appliance=make_appliance(area_a), actor=agent_a)
    with time_machine.travel(dt.datetime(2026, 5, 1, 16, 30, tzinfo=dt.UTC), tick=False):
        next_day = ticket_create(appliance=make_appliance(area_a), actor=agent_a)
    url = reverse("ticket_list")
    assert _numbers(desk.get(url, {"created_from": "2026-05-01", "created_to": "2026-05-01"})) == [
        late.number
    ]
    assert _numbers(desk.get(url, {"created_from": "2026-05-02"})) == [next_day.number]


def test_list_search_by_number_or_phone(desk, many):
    url = reverse("ticket_list")
    target = many[7]
    assert _numbers(desk.get(url, {"q": target.number.lower()})) == [target.number]
    phone = target.customer.national_number()
    assert _numbers(desk.get(url, {"q": phone})) == [target.number]
    assert _numbers(desk.get(url, {"q": phone[-6:]})) == [target.number]
    assert _numbers(desk.get(url, {"q": "12"})) == []


def test_list_bad_filter_value_shows_the_error(desk, many):
    response = desk.get(reverse("ticket_list"), {"status": "bogus"})
    assert response.status_code == 200
    assert _numbers(response) == []
    assert "Select a valid choice" in response.content.decode()


def test_htmx_filter_returns_rows_only(desk, many):
    response = desk.get(reverse("ticket_list"), {"priority": "emergency"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "SR-" in body


def test_detail_shows_customer_warranty_and_timeline(
    desk, out_of_warranty_ticket, django_assert_max_num_queries
):
    ticket = out_of_warranty_ticket
    with django_assert_max_num_queries(21):  # incl. installation sections, customer requests
        response = desk.get(reverse("ticket_detail", args=[ticket.pk]))
    body = response.content.decode()
    assert ticket.number in body
    assert "15012340000" in body and "8 Zhongshan Road" in body
    assert "Out of warranty" in body and "¥170.00" in body
    assert "Not yet accepted by the customer." in body
    assert "opened the ticket" in body
    assert "Awaiting fee acceptance" in body
    assert "Customer accepted the estimate" in body
    assert f"/t/{ticket.public_token}/" in body


def test_fee_acceptance_is_required_before_dispatch(desk, out_of_warranty_ticket, agent_a):
    ticket = out_of_warranty_ticket
    assert ticket.status == Status.AWAITING_FEE_ACCEPTANCE
    with pytest.raises(TransitionNotAllowed):
        ticket_transition(ticket=ticket, to=Status.ASSIGNED, actor=None)
    response = desk.post(
        reverse("ticket_accept_fee", args=[ticket.pk]), {"note": "agreed on the phone, 170 CNY"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_DISPATCH
    assert ticket.fee_accepted_by == agent_a and ticket.fee_accepted_at is not None
    event = ticket.events.get(kind="fee_accepted")
    assert event.actor == agent_a and event.reason == "agreed on the phone, 170 CNY"
    body = desk.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "Accepted by the customer; recorded by anna" in body
    assert "Customer accepted the estimate" not in body
    # Only now can dispatch move it on.
    ticket_transition(ticket=ticket, to=Status.ASSIGNED, actor=None)


def test_in_warranty_ticket_offers_no_fee_acceptance(desk, ticket_a):
    body = desk.get(reverse("ticket_detail", args=[ticket_a.pk])).content.decode()
    assert "Customer accepted the estimate" not in body
    response = desk.post(reverse("ticket_accept_fee", args=[ticket_a.pk]), {})
    assert response.status_code == 422
    assert "not waiting for the customer" in response.content.decode()


def test_resolve_remotely_needs_guidance(desk, ticket_a):
    url = reverse("ticket_resolve_remotely", args=[ticket_a.pk])
    response = desk.post(url, {"guidance": "  "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    response = desk.post(url, {"guidance": "Reset the breaker; it cools again"})
    assert response.status_code == 302
    ticket_a.refresh_from_db()
    assert ticket_a.status == Status.RESOLVED_REMOTELY
    body = desk.get(reverse("ticket_detail", args=[ticket_a.pk])).content.decode()
    assert "Reset the breaker" in body and "check-back due" in body


def test_cancel_needs_a_reason(desk, ticket_a):
    url = reverse("ticket_cancel", args=[ticket_a.pk])
    assert desk.post(url, {"reason": ""}).status_code == 422
    assert desk.post(url, {"reason": "Customer bought a new one"}).status_code == 302
    ticket_a.refresh_from_db()
    assert (
        ticket_a.status == Status.CANCELLED and ticket_a.close_reason == "Customer bought a new one"
    )
    body = desk.get(reverse("ticket_detail", args=[ticket_a.pk])).content.decode()
    assert "Cancel the ticket" not in body


def test_times_are_shown_in_shanghai(desk, area_a, agent_a, warranty_policies):
    with time_machine.travel(dt.datetime(2026, 1, 1, 20, 15, tzinfo=dt.UTC), tick=False):
        ticket = ticket_create(appliance=make_appliance(area_a), actor=agent_a)
    body = desk.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "Fri 2 Jan" in body and "04:15" in body  # the next day in Shanghai


def test_dispatch_is_offered_to_dispatchers_not_to_agents(client, desk, ticket_a, dispatcher):
    page = desk.get(reverse("ticket_detail", args=[ticket_a.pk])).content.decode()
    assert reverse("dispatch_queue") not in page  # no nav link that would answer 403
    assert reverse("dispatch_ticket", args=[ticket_a.pk]) not in page
    assert desk.get(reverse("dispatch_queue")).status_code == 403

    client.force_login(dispatcher)
    page = client.get(reverse("ticket_detail", args=[ticket_a.pk])).content.decode()
    assert reverse("dispatch_queue") in page
    assert reverse("dispatch_ticket", args=[ticket_a.pk]) in page
    assert "Service report" not in page  # nobody has been on site yet
