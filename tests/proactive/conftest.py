import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import AddressFactory, ApplianceFactory, ServiceAreaFactory
from tickets.choices import ApplianceCategory


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def owner(*, area=None, category=ApplianceCategory.AIR_CONDITIONER, bought_days_ago=30, **kw):
    """An appliance of a customer with one address in `area`."""
    area = area or ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")
    appliance = ApplianceFactory(
        category=category,
        purchase_date=timezone.localdate() - dt.timedelta(days=bought_days_ago),
        customer__address=None,
        **kw,
    )
    AddressFactory(customer=appliance.customer, area=area)
    return appliance
