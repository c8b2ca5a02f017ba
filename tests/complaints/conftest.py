import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import AddressFactory, ApplianceFactory, ServiceAreaFactory, UserFactory
from tests.factories import ticket_create as make_ticket
from tickets.lifecycle import Status
from tickets.models import CallCentre
from tickets.services import ticket_transition


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def area_a(db):
    return ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")


@pytest.fixture
def area_b(db):
    return ServiceAreaFactory(code="ZH-XZ", name="Xiangzhou", city="Zhuhai")


def _centre(name, area):
    centre = CallCentre.objects.create(name=name)
    centre.areas.add(area)
    return centre


def desk_user(username, role, centre=None):
    return UserFactory(username=username, roles=[role], desk=centre)


@pytest.fixture
def agent_a(area_a):
    return desk_user("anna", "agent", _centre("Qingdao centre", area_a))


@pytest.fixture
def agent_b(area_b):
    return desk_user("bella", "agent", _centre("Zhuhai centre", area_b))


@pytest.fixture
def qa(db):
    return UserFactory(username="quinn", roles=["quality"])


@pytest.fixture
def qa2(db):
    return UserFactory(username="quentin", roles=["quality"])


def ticket_in(area, **kwargs):
    appliance = ApplianceFactory(
        purchase_date=timezone.localdate() - dt.timedelta(days=30), customer__address=None
    )
    AddressFactory(customer=appliance.customer, area=area)
    return make_ticket(appliance=appliance, **kwargs)


def complete(ticket, engineer):
    """The job done: assigned by the system, accepted, on site, completed."""
    ticket_transition(
        ticket=ticket, to=Status.ASSIGNED, actor=None, data={"engineer_user_id": engineer.pk}
    )
    for to in (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE, Status.COMPLETED):
        ticket_transition(ticket=ticket, to=to, actor=engineer)
    return ticket


@pytest.fixture
def ticket_a(warranty_policies, area_a):
    return ticket_in(area_a)


@pytest.fixture
def ticket_b(warranty_policies, area_b):
    return ticket_in(area_b)


@pytest.fixture
def done_job(ticket_a, engineer_user):
    return complete(ticket_a, engineer_user)
