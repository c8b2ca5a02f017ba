"""The customer's own web form opens any service type, and tells nothing of what is on file."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ApplianceFactory, ServiceAreaFactory
from tickets.models import Address, Customer, OutboundMessage, Ticket

pytestmark = pytest.mark.django_db

URL = "/request/"


@pytest.fixture
def area(db):
    return ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")


def _post(area, **changes):
    data = {
        "service_type": "installation",
        "customer_name": "Wang Fang",
        "mobile": "13912345678",
        "area": area.pk,
        "address_line": "8 Minjiang Road",
        "category": "ac",
        "brand": "Gree",
        "model": "KFR-35GW",
        "serial_number": "",
        "purchase_date": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "fault_description": "New air conditioner delivered, please install",
        "preferred_start": "",
        "preferred_end": "",
    }
    data.update(changes)
    return data


def test_the_form_offers_every_open_service_type(client, area):
    page = client.get(URL).content.decode()
    for code in ("repair", "installation", "maintenance", "inspection", "return_assessment"):
        assert f'value="{code}"' in page
    assert reverse("service_request") == URL


def test_a_new_customer_requests_an_installation(client, area, warranty_policies):
    response = client.post(URL, _post(area))
    assert response.status_code == 200, response.content.decode()
    ticket = Ticket.objects.get()
    assert ticket.service_type_id == "installation" and ticket.channel == "web"
    assert ticket.customer.mobile == "+8613912345678" and ticket.created_by is None
    page = response.content.decode()
    assert ticket.number in page
    # The private link goes by SMS only, never onto the page that anyone may fill in.
    assert ticket.public_token not in page
    sms = OutboundMessage.objects.get(ticket=ticket, purpose="acknowledgement")
    assert ticket.public_token in sms.body and sms.to == "+8613912345678"


def test_a_known_mobile_changes_nothing_on_file_and_shows_nothing(client, area, warranty_policies):
    appliance = ApplianceFactory(
        customer__mobile="+8613912345678",
        customer__name="Li Na",
        customer__address__area=area,
        serial_number="AC-0001",
    )
    customer = appliance.customer
    response = client.post(URL, _post(area, customer_name="Somebody Else"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Li Na" not in page and customer.addresses.first().line not in page
    customer.refresh_from_db()
    assert customer.name == "Li Na"
    ticket = Ticket.objects.get()
    assert ticket.customer == customer
    # The address given becomes the ticket's, for an agent to confirm.
    assert ticket.address.line == "8 Minjiang Road" and ticket.address.needs_confirmation
    # Another's serial number is refused without telling whose it is.
    other = ApplianceFactory(serial_number="AC-0002", customer__address__area=area)
    response = client.post(URL, _post(area, serial_number="AC-0002"))
    assert response.status_code == 422
    assert other.customer.name not in response.content.decode()
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"mobile": "12345"}, "mobile"),
        ({"service_type": "teleport"}, "service_type"),
        ({"fault_description": "x" * 2001}, "fault_description"),
        ({"purchase_date": "9999-01-01"}, "purchase_date"),
        ({"preferred_start": "2020-01-01T09:00", "preferred_end": "2020-01-01T12:00"}, "start"),
        ({"preferred_start": "2031-01-01T09:00", "preferred_end": "2031-01-01T12:00"}, "start"),
        ({"preferred_start": "2030-01-01T09:00"}, "end"),
    ],
)
def test_bad_input_is_a_form_error_and_stores_nothing(client, area, changes, field):
    response = client.post(URL, _post(area, **changes))
    assert response.status_code == 422
    page = response.content.decode()
    assert 'class="field-error"' in page
    assert not Ticket.objects.exists() and not Customer.objects.exists()
    assert not Address.objects.exists()


def test_requests_from_one_address_are_limited(client, area, warranty_policies, settings):
    settings.WEB_REQUEST_RATE = (2, 3600)
    address = f"203.0.113.{uuid.uuid4().int % 250}-{uuid.uuid4().hex}"  # its own counter
    for n in range(2):
        response = client.post(URL, _post(area, mobile=f"1391234567{n}"), REMOTE_ADDR=address)
        assert response.status_code == 200
    response = client.post(URL, _post(area, mobile="13912345679"), REMOTE_ADDR=address)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Ticket.objects.count() == 2
