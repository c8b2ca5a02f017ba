"""Who may open which page: desk roles only, and only their call centre's tickets."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _desk_urls(ticket):
    return [
        reverse("agent_console"),
        reverse("agent_console") + "?phone=13812345678",
        reverse("ticket_list"),
        reverse("ticket_detail", args=[ticket.pk]),
        reverse("console_customer", args=[ticket.customer_id]),
        reverse("console_customer_new"),
        reverse("console_customer_edit", args=[ticket.customer_id]),
        reverse("console_appliance_new", args=[ticket.customer_id]),
        reverse("console_appliance_edit", args=[ticket.appliance_id]),
        reverse("console_ticket_new", args=[ticket.appliance_id]),
        reverse("console_warranty") + "?category=fridge&purchase_date=2024-01-01",
    ]


def test_engineer_gets_403_on_every_desk_page(client, engineer, ticket_a):
    client.force_login(engineer)
    for url in _desk_urls(ticket_a):
        assert client.get(url).status_code == 403, url
    for name in ("ticket_accept_fee", "ticket_resolve_remotely", "ticket_cancel"):
        assert client.post(reverse(name, args=[ticket_a.pk]), {}).status_code == 403


def test_anonymous_is_sent_to_login_everywhere_but_the_customer_link(client, ticket_a):
    for url in _desk_urls(ticket_a):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    response = client.post(reverse("ticket_accept_fee", args=[ticket_a.pk]), {})
    assert response.status_code == 302
    ticket_a.refresh_from_db()
    assert ticket_a.fee_accepted_at is None
    assert client.get(reverse("ticket_track", args=[ticket_a.public_token])).status_code == 200


@pytest.mark.parametrize("role", ["agent", "dispatcher", "supervisor", "admin"])
def test_desk_roles_open_the_console(client, role, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username=f"desk-{role}", roles=[role]))
    response = client.get(reverse("agent_console"))
    assert response.status_code == 200
    assert b'id="id_phone"' in response.content and b"autofocus" in response.content


def test_agent_of_centre_a_cannot_open_centre_b_ticket(client, agent_a, ticket_a, ticket_b):
    client.force_login(agent_a)
    assert client.get(reverse("ticket_detail", args=[ticket_a.pk])).status_code == 200
    assert client.get(reverse("ticket_detail", args=[ticket_b.pk])).status_code == 404
    for name in ("ticket_accept_fee", "ticket_resolve_remotely", "ticket_cancel"):
        response = client.post(reverse(name, args=[ticket_b.pk]), {"reason": "x", "guidance": "x"})
        assert response.status_code == 404
    ticket_b.refresh_from_db()
    assert ticket_b.status == "awaiting_dispatch"


def test_agent_of_centre_a_cannot_reach_centre_b_customer_or_appliance(client, agent_a, ticket_b):
    client.force_login(agent_a)
    urls = [
        reverse("console_customer", args=[ticket_b.customer_id]),
        reverse("console_customer_edit", args=[ticket_b.customer_id]),
        reverse("console_appliance_new", args=[ticket_b.customer_id]),
        reverse("console_appliance_edit", args=[ticket_b.appliance_id]),
        reverse("console_appliance_proof", args=[ticket_b.appliance_id]),
        reverse("console_ticket_new", args=[ticket_b.appliance_id]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    # The phone search does not find the other centre's customer either.
    response = client.get(reverse("agent_console"), {"phone": "13987654321"})
    assert ticket_b.customer.name not in response.content.decode()
    # Nor does the list.
    response = client.get(reverse("ticket_list"))
    assert ticket_b.number not in response.content.decode()


def test_supervisor_sees_every_centre(client, supervisor, ticket_a, ticket_b):
    client.force_login(supervisor)
    assert client.get(reverse("ticket_detail", args=[ticket_b.pk])).status_code == 200
    body = client.get(reverse("ticket_list")).content.decode()
    assert ticket_a.number in body and ticket_b.number in body
