"""Against the real Postgres with real transactions: concurrent retries and Redis down."""

import socket
import threading

import pytest
from django.db import connection

from tickets.models import Customer, IdempotencyKey, OutboundMessage, Ticket

URL = "/api/v1/tickets/"


@pytest.fixture
def roles(transactional_db):
    # A transactional test starts from an emptied database: put the role groups back.
    from tickets.auth import sync_role_permissions

    sync_role_permissions()


@pytest.fixture
def tx_partner(roles):
    from tests.factories import UserFactory

    return UserFactory(username="partner-tx", roles=["partner"])


def _post_concurrently(token: str, bodies: list[dict], key: str | None):
    from rest_framework.test import APIClient

    barrier = threading.Barrier(len(bodies))
    results: list = [None] * len(bodies)

    def worker(i, body):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
            barrier.wait(timeout=10)
            response = client.post(URL, body, format="json", **headers)
            results[i] = (
                response.status_code,
                response.json(),
                response.get("Idempotent-Replayed"),
            )
        except Exception as exc:  # reported by the assertion below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, b)) for i, b in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_requests_with_one_key_make_one_ticket(tx_partner, payload):
    from tickets.api import partner_token_issue

    token = partner_token_issue(username=tx_partner.username)
    results = _post_concurrently(token, [payload] * 6, key="retry-storm-1")
    assert all(isinstance(r, tuple) for r in results), results
    statuses = sorted(r[0] for r in results)
    assert statuses == [200] * 5 + [201], results
    assert len({r[1]["number"] for r in results}) == 1
    assert sum(r[2] == "true" for r in results) == 5
    assert Ticket.objects.count() == 1
    assert Customer.objects.count() == 1
    assert OutboundMessage.objects.count() == 1
    assert IdempotencyKey.objects.get().ticket == Ticket.objects.get()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_different_keys_each_make_a_ticket(tx_partner, payload):
    from tickets.api import partner_token_issue

    token = partner_token_issue(username=tx_partner.username)
    bodies = [
        {**payload, "mobile": f"1380013800{i}", "serial_number": f"HR-100{i}"} for i in range(4)
    ]
    results = _post_concurrently(token, bodies, key=None)
    assert [r[0] for r in results] == [201] * 4, results
    assert Ticket.objects.count() == 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_ticket_and_acknowledgement_are_stored_with_redis_unreachable(
    tx_partner, payload, settings
):
    """Nothing listens on the broker's port: the API still answers 201 and the ticket and
    its acknowledgement SMS are in the database (the outbox), ready for the relay."""
    from config.celery import app
    from tickets.api import partner_token_issue
    from tickets.taskqueue import enqueue_task

    dead = f"redis://127.0.0.1:{_free_port()}/0"
    settings.REDIS_URL = dead
    settings.CELERY_BROKER_URL = dead
    original_broker = app.conf.broker_url
    app.conf.broker_url = dead
    app.pool.force_close_all()
    try:
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {partner_token_issue(username=tx_partner.username)}"
        )
        # Whatever other apps enqueue after commit must not break the request either.
        from django.db import transaction

        with transaction.atomic():
            enqueue_task("tickets.tasks.nothing", ticket_id=0)
        response = client.post(URL, payload, format="json")
    finally:
        app.conf.broker_url = original_broker
        app.pool.force_close_all()
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(number=response.json()["number"])
    message = OutboundMessage.objects.get(ticket=ticket)
    assert message.purpose == "acknowledgement" and message.state == "pending"
    assert ticket.public_token in message.body


def _post_many(token: str, url: str, body: dict, n: int):
    """`n` clients, each with its own database connection, post at the same instant."""
    from rest_framework.test import APIClient

    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            barrier.wait(timeout=20)
            response = client.post(url, body, format="json")
            results[i] = (response.status_code, response.json())
        except Exception as exc:  # reported by the assertion below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_identical_alarms_open_one_ticket(tx_partner, intake_area, payload):
    from tests.factories import AddressFactory, ApplianceFactory, CustomerFactory
    from tickets.api import partner_token_issue
    from tickets.models import TicketEvent

    customer = CustomerFactory(address=None)
    AddressFactory(customer=customer, area=intake_area)
    fridge = ApplianceFactory(customer=customer, serial_number="HRF-20X")
    fridge.device_platforms.add(tx_partner)
    token = partner_token_issue(username=tx_partner.username)

    results = _post_many(
        token, "/api/v1/alarms/", {"serial_number": "hrf-20x", "fault_code": "E4"}, 20
    )
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(r[0] for r in results) == [200] * 19 + [201], results
    assert len({r[1]["number"] for r in results}) == 1
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind="alarm_repeated").count() == 19


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_intakes_for_one_new_mobile_make_one_customer(tx_partner, payload):
    from tickets.api import partner_token_issue
    from tickets.models import Appliance

    token = partner_token_issue(username=tx_partner.username)
    results = _post_many(token, URL, payload, 20)
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(r[0] for r in results) == [200] * 19 + [201], results
    assert len({r[1]["number"] for r in results}) == 1
    assert Customer.objects.count() == 1
    assert Appliance.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert OutboundMessage.objects.count() == 1
