import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import AddressFactory, ApplianceFactory, ServiceAreaFactory, ticket_create
from tickets.lifecycle import Status
from tickets.services import ticket_resolve_remotely, ticket_transition


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def new_ticket(*, area=None, appliance=None, **kwargs):
    """An in-warranty ticket through the real intake, ready for dispatch."""
    if appliance is None:
        area = area or ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")
        appliance = ApplianceFactory(
            purchase_date=timezone.localdate() - dt.timedelta(days=30), customer__address=None
        )
        AddressFactory(customer=appliance.customer, area=area)
    return ticket_create(appliance=appliance, **kwargs)


def complete(ticket, engineer):
    """The moves dispatch and the engineer make, up to a completed job."""
    ticket_transition(
        ticket=ticket, to=Status.ASSIGNED, actor=None, data={"engineer_user_id": engineer.pk}
    )
    for to in (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE, Status.COMPLETED):
        ticket_transition(ticket=ticket, to=to, actor=engineer)
    ticket.refresh_from_db()
    return ticket


def completed_job(engineer, **kwargs):
    return complete(new_ticket(**kwargs), engineer)


def resolved_by_phone(agent, **kwargs):
    ticket = new_ticket(**kwargs)
    ticket_resolve_remotely(ticket=ticket, actor=agent, guidance="Reset the thermostat to 4.")
    ticket.refresh_from_db()
    return ticket


def follow_up_of(ticket):
    from callbacks.models import Callback

    return Callback.objects.get(ticket=ticket, kind=Callback.Kind.FOLLOW_UP)


GOOD = {"speed": 5, "attitude": 5, "quality": 5, "fixed": True, "comment": ""}


@pytest.fixture
def world(db, warranty_policies, area):
    return {"area": area}


@pytest.fixture(autouse=True)
def _broker_backoff_reset():
    from tickets import taskqueue

    taskqueue._broker_down_until = 0.0
    yield
    taskqueue._broker_down_until = 0.0


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Wrong-code counts live in Redis, shared by the tests of this worker: each test starts
    with none (only this database's keys are removed; the broker's stay)."""
    from django.core.cache import caches
    from django.db import connection

    def clear():
        cache = caches["ratelimit"]
        client = cache._cache.get_client(write=True)
        pattern = cache.make_key(f"tally:{connection.settings_dict['NAME']}:*")
        for key in client.scan_iter(match=pattern):
            client.delete(key)

    clear()
    yield
    clear()
