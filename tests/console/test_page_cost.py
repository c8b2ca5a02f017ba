"""The agent's two busiest pages stay cheap: a fixed, small number of queries whatever the
number of matches, appliances or tickets, and no more shown than before."""

import re

import pytest
from django.urls import reverse

from tests.console.conftest import make_appliance
from tests.factories import AddressFactory, ApplianceFactory, ticket_create
from tickets.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, agent_a):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(agent_a)
    return client


def _warm(client, url, params, settings):
    """One request to load the master-data cache, then read it as production does (the
    test settings re-check its generation on every read, one query each)."""
    client.get(url, params)
    settings.MASTERDATA_RECHECK_SECONDS = 3600


def _no_cursor_or_count(captured):
    sqls = [q["sql"] for q in captured.captured_queries]
    assert not [s for s in sqls if s.startswith("DECLARE")], "a server-side cursor"
    # A count over a LIMITed subquery (the list's bounded match count) stops early.
    unbounded = [s for s in sqls if "COUNT(*)" in s.upper() and "LIMIT" not in s.upper()]
    assert not unbounded, "a COUNT(*) over every match"


def test_one_match_opens_the_panel_in_a_fixed_number_of_queries(
    desk, area_a, agent_a, warranty_policies, fee_schedule, settings, django_assert_num_queries
):
    appliance = make_appliance(area_a, mobile="+8613812345678")
    customer = appliance.customer
    more = [ApplianceFactory(customer=customer, category=c) for c in ("fridge", "ac", "ac")]
    tickets = [ticket_create(appliance=a, actor=agent_a) for a in [appliance, *more]]
    url, params = reverse("agent_console"), {"phone": "13812345678"}
    _warm(desk, url, params, settings)
    # session, user, roles, staff profile, customers, addresses, appliances, tickets, calls
    with django_assert_num_queries(9) as captured:
        body = desk.get(url, params).content.decode()
    _no_cursor_or_count(captured)
    assert all(t.number in body for t in tickets)
    assert all(a.model_number in body for a in more)
    assert body.count('class="badge warn"') == 4  # each appliance shows its open ticket


def test_console_history_leaves_out_tickets_of_another_centres_area(
    desk, area_a, area_b, agent_a, warranty_policies, fee_schedule
):
    appliance = make_appliance(area_a, mobile="+8613812345678")
    ours = ticket_create(appliance=appliance, actor=agent_a)
    elsewhere = AddressFactory(customer=appliance.customer, area=area_b, is_default=False)
    theirs = ticket_create(appliance=appliance, actor=agent_a, address=elsewhere)
    assert theirs.area_id == area_b.pk
    body = desk.get(reverse("agent_console"), {"phone": "5678"}).content.decode()
    assert ours.number in body and theirs.number not in body


def test_pick_list_shows_default_address_and_appliance_count_in_fixed_queries(
    desk, area_a, settings, django_assert_num_queries
):
    for i in range(6):
        appliance = make_appliance(area_a, mobile=f"+86138{i:04d}2211")
        for _ in range(i):
            ApplianceFactory(customer=appliance.customer)
    # The first customer moved: the new default address, not the older one, is listed.
    first = Customer.objects.get(mobile="+8613800002211")
    first.addresses.update(is_default=False)
    AddressFactory(customer=first, area=area_a, line="2 Side Street", is_default=True)
    url, params = reverse("agent_console"), {"phone": "2211"}
    _warm(desk, url, params, settings)
    # session, user, roles, staff profile, customers, their addresses, appliance counts
    with django_assert_num_queries(7) as captured:
        body = desk.get(url, params).content.decode()
    _no_cursor_or_count(captured)
    assert "6 customers match" in body
    counts = sorted(int(n) for n in re.findall(r"<td>(\d+)</td>", body))
    assert counts == [1, 2, 3, 4, 5, 6]
    assert body.count("2 Side Street") == 1
    assert body.count("8 Zhongshan Road") == 5


def test_unknown_number_offers_the_form_without_a_cursor(
    desk, area_a, centre_a, settings, django_assert_num_queries
):
    url, params = reverse("agent_console"), {"phone": "13700001234"}
    _warm(desk, url, params, settings)
    # session, user, roles, staff profile, customers, the user's areas
    with django_assert_num_queries(6) as captured:
        body = desk.get(url, params).content.decode()
    _no_cursor_or_count(captured)
    assert "No customer with the number" in body
    assert f'<option value="{area_a.pk}"' in body


def test_ticket_list_in_fixed_queries_without_a_cursor_or_count(
    desk, area_a, agent_a, warranty_policies, fee_schedule, settings, django_assert_num_queries
):
    for i in range(12):
        appliance = make_appliance(area_a, mobile=f"+86139000000{i:02d}")
        ticket_create(appliance=appliance, actor=agent_a)
    url, params = reverse("ticket_list"), {"status": "awaiting_dispatch"}
    _warm(desk, url, params, settings)
    # session, user, roles, staff profile, tickets, the bounded count, the user's areas, the
    # user's saved filters (the area names in the rows come from the master-data cache)
    with django_assert_num_queries(8) as captured:
        body = desk.get(url, params).content.decode()
    _no_cursor_or_count(captured)
    assert body.count('<tr>\n    <td><a class="mono"') == 12
    assert "139****0000" in body and "13900000000" not in body
    assert f"<td>{area_a.name}</td>" in body
