"""Real concurrent database sessions: each thread has its own connection."""

import random
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from spareparts.models import LedgerEntry, Location, LocationKind, Part, Stock, Transfer
from spareparts.services import (
    NotEnoughStock,
    stock_consume,
    stock_differences,
    stock_receive,
    stock_release,
    stock_reserve,
    transfer_dispatch,
    transfer_plan,
    transfer_receive,
)
from tests.dispatch.factories import EngineerFactory, ServicePointFactory
from tickets.errors import TransitionNotAllowed

from .conftest import van_for


def run_threads(n, target):
    barrier = threading.Barrier(n)
    errors = []

    def wrapped(i):
        try:
            barrier.wait()
            target(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_fifty_requests_for_the_last_three_units(transactional_db):
    """Fifty engineers ask for the last three thermostats at once: three are reserved, the
    others are told there is not enough stock, nothing goes negative, no 500."""
    part = Part.objects.get(sku="HR-FR-TH01")
    central = Location.objects.create(
        kind=LocationKind.CENTRAL, code="CW", name="Central", lat=31.2, lng=121.5
    )
    stock_receive(location=central, part=part, quantity=3, supplier="Haier", batch="B")
    sp = ServicePointFactory()
    users = []
    for i in range(50):
        engineer = EngineerFactory(service_point=sp, user__username=f"conc{i}")
        van_for(engineer)
        users.append(engineer.user)
    answers = [None] * 50

    def ask(i):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(users[i])
        response = client.post(
            "/api/v1/parts/requests/",
            {"sku": part.sku, "quantity": 1},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        answers[i] = (response.status_code, response.json())

    assert run_threads(50, ask) == []
    codes = sorted(code for code, _body in answers)
    assert codes == [201] * 3 + [409] * 47
    refused = [body for code, body in answers if code == 409]
    assert {b["error"]["code"] for b in refused} == {"not_enough_stock"}
    assert "Not enough stock of HR-FR-TH01" in refused[0]["error"]["message"]
    row = Stock.objects.get(location=central, part=part)
    assert (row.on_hand, row.reserved) == (3, 3)
    assert Transfer.objects.count() == 3
    assert stock_differences() == []


@pytest.mark.django_db(transaction=True)
def test_random_concurrent_workload_keeps_stock_equal_to_the_ledger(transactional_db):
    parts = list(Part.objects.filter(sku__in=["HR-FR-TH01", "HR-FR-SEAL", "GR-AC-CAP35"]))
    locations = [
        Location.objects.create(
            kind=LocationKind.REGIONAL, code=f"RW{i}", name=f"Regional {i}", lat=36, lng=120 + i
        )
        for i in range(3)
    ]
    for location in locations:
        for part in parts:
            stock_receive(location=location, part=part, quantity=5, supplier="S", batch="B")

    def work(seed):
        rng = random.Random(seed)
        for _ in range(40):
            location, other = rng.sample(locations, 2)
            part = rng.choice(parts)
            n = rng.randint(1, 3)
            op = rng.choice(["receipt", "reserve", "release", "consume", "transfer"])
            try:
                if op == "receipt":
                    stock_receive(location=location, part=part, quantity=n, supplier="S", batch="B")
                elif op == "reserve":
                    stock_reserve(location=location, part=part, quantity=n)
                elif op == "release":
                    stock_release(location=location, part=part, quantity=n)
                elif op == "consume":
                    stock_consume(
                        location=location, part=part, quantity=n, reserved=rng.choice([0, n])
                    )
                else:
                    t = transfer_plan(source=location, destination=other, part=part, quantity=n)
                    transfer_dispatch(transfer=t)
                    transfer_receive(transfer=t)
            except (NotEnoughStock, TransitionNotAllowed):
                pass

    assert run_threads(8, work) == []
    assert stock_differences() == []
    assert not Stock.objects.filter(on_hand__lt=0).exists()
    assert not Stock.objects.filter(reserved__lt=0).exists()
    assert LedgerEntry.objects.count() > 9
