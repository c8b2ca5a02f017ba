import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import (
    AddressFactory,
    ApplianceFactory,
    CustomerFactory,
    ServiceAreaFactory,
    UserFactory,
    ticket_create,
)
from tickets.models import CallCentre


@pytest.fixture
def area_a(db):
    return ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")


@pytest.fixture
def area_b(db):
    return ServiceAreaFactory(code="ZH-XZ", name="Xiangzhou", city="Zhuhai")


@pytest.fixture
def centre_a(area_a):
    centre = CallCentre.objects.create(name="Qingdao centre")
    centre.areas.add(area_a)
    return centre


@pytest.fixture
def centre_b(area_b):
    centre = CallCentre.objects.create(name="Zhuhai centre")
    centre.areas.add(area_b)
    return centre


def _desk_user(username, role, centre):
    return UserFactory(username=username, roles=[role], desk=centre)


@pytest.fixture
def agent_a(centre_a):
    return _desk_user("anna", "agent", centre_a)


@pytest.fixture
def agent_b(centre_b):
    return _desk_user("bella", "agent", centre_b)


@pytest.fixture
def engineer(db):
    return UserFactory(username="eddie", roles=["engineer"])


def make_appliance(area, *, mobile=None, days_old=100, category="fridge", customer=None):
    if customer is None:
        kwargs = {"address": None}
        if mobile:
            kwargs["mobile"] = mobile
        customer = CustomerFactory(**kwargs)
        AddressFactory(customer=customer, area=area, line="8 Zhongshan Road, flat 1201")
    return ApplianceFactory(
        customer=customer,
        category=category,
        purchase_date=timezone.localdate() - dt.timedelta(days=days_old),
    )


@pytest.fixture
def ticket_a(area_a, agent_a, warranty_policies, fee_schedule):
    appliance = make_appliance(area_a, mobile="+8613812345678")
    return ticket_create(appliance=appliance, actor=agent_a)


@pytest.fixture
def ticket_b(area_b, agent_b, warranty_policies, fee_schedule):
    appliance = make_appliance(area_b, mobile="+8613987654321")
    return ticket_create(appliance=appliance, actor=agent_b)


@pytest.fixture
def out_of_warranty_ticket(area_a, agent_a, warranty_policies, fee_schedule):
    appliance = make_appliance(area_a, mobile="+8615012340000", days_old=900)
    return ticket_create(appliance=appliance, actor=agent_a)
