import pytest

from tests.factories import ApplianceFactory, ServiceAreaFactory, ticket_create


@pytest.fixture
def qd_area(db):
    return ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")


@pytest.fixture
def make_ticket(db, qd_area, warranty_policies):
    """A fridge ticket through the real intake, waiting for dispatch at (36.07, 120.38)."""

    def make(**overrides):
        appliance = overrides.pop("appliance", None) or ApplianceFactory(
            customer__address__area=qd_area
        )
        address = appliance.customer.addresses.first()
        lat = overrides.pop("lat", None)
        if lat is not None:
            address.lat = lat
            address.save()
        return ticket_create(appliance=appliance, **overrides)

    return make
