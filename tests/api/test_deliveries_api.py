"""A retailer's delivery through the partner API opens one installation ticket per order
(issue 16 item 2)."""

import datetime as dt

import pytest
from django.utils import timezone

from tickets.models import Appliance, Delivery, Ticket

URL = "/api/v1/deliveries/"


@pytest.fixture
def delivery(intake_area, warranty_policies, fee_schedule):
    return {
        "order_number": "JD-2026-000123",
        "delivery_date": timezone.localdate().isoformat(),
        "products": [
            {"category": "ac", "model": "KFR-35GW/IN", "quantity": 1},
            {"category": "ac", "model": "KFR-35W/OUT", "quantity": 1},
        ],
        "customer_name": "Zhao Lei",
        "mobile": "139 0013 9000",
        "address_line": "8 Minjiang Road",
        "area_code": "QD-SN",
        "brand": "Gree",
    }


def test_a_delivery_opens_one_installation_ticket_booked_after_delivery(partner_client, delivery):
    response = partner_client.post(URL, delivery, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["service_type"] == "installation"
    assert body["priority"] == "appointment"
    ticket = Ticket.objects.get(number=body["number"])
    start = timezone.localtime(ticket.preferred_start)
    assert start.date() == timezone.localdate() + dt.timedelta(days=1)
    assert (start.hour, timezone.localtime(ticket.preferred_end).hour) == (9, 18)
    saved = Delivery.objects.get(ticket=ticket)
    assert saved.order_number == "JD-2026-000123"
    assert [(ln.model_code, ln.quantity) for ln in saved.lines.all()] == [
        ("KFR-35GW/IN", 1),
        ("KFR-35W/OUT", 1),
    ]
    assert ticket.appliance.purchase_channel == "retailer_delivery"
    assert ticket.appliance.delivery == saved
    assert ticket.appliance.purchase_date == timezone.localdate()
    assert "JD-2026-000123" in ticket.fault_description


def test_the_same_order_again_returns_the_same_ticket(partner_client, delivery):
    first = partner_client.post(URL, delivery, format="json")
    again = partner_client.post(URL, {**delivery, "customer_name": "Typo"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Ticket.objects.count() == 1 and Appliance.objects.count() == 1


def test_another_partner_may_use_the_same_order_number(partner_client, partner_b_client, delivery):
    a = partner_client.post(URL, delivery, format="json")
    b = partner_b_client.post(URL, {**delivery, "mobile": "13900139001"}, format="json")
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["number"] != b.json()["number"]


def test_bad_input_names_every_field_and_stores_nothing(partner_client, delivery):
    bad = {
        **delivery,
        "order_number": "",
        "delivery_date": "2026-13-40",
        "products": [{"category": "ac", "model": "", "quantity": 0}],
        "mobile": "123",
        "area_code": "NOPE",
    }
    del bad["brand"]
    response = partner_client.post(URL, bad, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    for name in (
        "order_number",
        "delivery_date",
        "products.0.model",
        "products.0.quantity",
        "mobile",
        "area_code",
        "brand",
    ):
        assert name in fields, (name, fields)
    assert Ticket.objects.count() == 0 and Delivery.objects.count() == 0


def test_no_products_and_a_window_before_delivery_are_refused(partner_client, delivery):
    empty = partner_client.post(URL, {**delivery, "products": []}, format="json")
    assert empty.status_code == 400 and "products" in empty.json()["error"]["fields"]
    early = timezone.now() - dt.timedelta(days=2)
    response = partner_client.post(
        URL,
        {
            **delivery,
            "preferred_start": early.isoformat(),
            "preferred_end": (early + dt.timedelta(hours=2)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "preferred_start" in response.json()["error"]["fields"]


def test_only_partners_may_post_deliveries(client, agent, delivery):
    client.force_login(agent)
    assert client.post(URL, delivery, content_type="application/json").status_code in (401, 403)


def test_the_schema_documents_the_endpoint(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/deliveries/" in schema["paths"]
    assert "DeliveryCreateInput" in schema["components"]["schemas"]


@pytest.fixture
def tx_partner(transactional_db):
    from tests.factories import UserFactory
    from tickets.auth import sync_role_permissions

    sync_role_permissions()
    return UserFactory(username="retailer-tx", roles=["partner"])


@pytest.mark.django_db(transaction=True)
def test_racing_deliveries_of_one_order_make_one_ticket(tx_partner, delivery):
    """Six sessions, each on its own connection, post the same order at the same instant."""
    from tests.api.test_concurrency_and_outbox import _post_many
    from tickets.api import partner_token_issue

    n = 6
    results = _post_many(partner_token_issue(username=tx_partner.username), URL, delivery, n)
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(r[0] for r in results) == [200] * (n - 1) + [201], results
    assert len({r[1]["number"] for r in results}) == 1
    assert Ticket.objects.count() == 1
    assert Delivery.objects.count() == 1
    assert Appliance.objects.count() == 1
