import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import ApplianceFactory, ServiceAreaFactory, ticket_create
from tickets.lifecycle import Status
from tickets.services import ticket_transition

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A Monday, 10:00 in Shanghai: inside the default service hours.
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def make_ticket(*, area=None, priority="normal", **kwargs):
    """A ticket through the real intake: in warranty, so it is ready for dispatch."""
    from tests.factories import AddressFactory

    area = area or ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")
    appliance = ApplianceFactory(
        purchase_date=timezone.localdate() - dt.timedelta(days=30), customer__address=None
    )
    AddressFactory(customer=appliance.customer, area=area)
    if priority == "appointment" and "preferred_start" not in kwargs:
        now = timezone.now()
        kwargs["preferred_start"] = now + dt.timedelta(hours=20)
        kwargs["preferred_end"] = now + dt.timedelta(hours=22)
    return ticket_create(appliance=appliance, priority=priority, **kwargs)


def assign(ticket, engineer):
    ticket_transition(
        ticket=ticket,
        to=Status.ASSIGNED,
        actor=None,
        reason="auto",
        data={"engineer_user_id": engineer.pk},
    )


def move(ticket, to, actor, **kw):
    ticket_transition(ticket=ticket, to=to, actor=actor, **kw)


def clock(ticket, kind, **filters):
    from tickets.models import SlaClock

    return SlaClock.objects.filter(ticket=ticket, kind=kind, **filters).order_by("-id").first()


@pytest.fixture
def sla_world(db, warranty_policies, area):
    return {"area": area}


@pytest.fixture(autouse=True)
def _broker_backoff_reset():
    from tickets import taskqueue

    taskqueue._broker_down_until = 0.0
    yield
    taskqueue._broker_down_until = 0.0
