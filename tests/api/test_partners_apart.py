"""Partners are kept apart: a partner's token sees and changes only what is its own."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import AddressFactory, ApplianceFactory, CustomerFactory
from tickets.models import Address, Appliance, Customer, Ticket

ALARMS = "/api/v1/alarms/"
TICKETS = "/api/v1/tickets/"


@pytest.fixture
def fridge(intake_area, warranty_policies, fee_schedule, partner, partner_b):
    """A fridge registered at the desk, connected to both device platforms."""
    customer = CustomerFactory(address=None, mobile="+8613800138000", name="Wang Fang")
    AddressFactory(customer=customer, area=intake_area, line="12 Xianggang Road")
    appliance = ApplianceFactory(customer=customer, serial_number="HR-0001")
    appliance.device_platforms.add(partner, partner_b)
    return appliance


def test_a_repeated_alarm_returns_the_open_ticket_only_to_the_partner_that_raised_it(
    partner_client, partner_b_client, fridge
):
    first = partner_client.post(ALARMS, {"serial_number": "HR-0001", "fault_code": "E4"})
    assert first.status_code == 201
    theirs = first.json()
    other = partner_b_client.post(ALARMS, {"serial_number": "HR-0001", "fault_code": "E4"})
    assert other.status_code == 201
    mine = other.json()
    assert mine["number"] != theirs["number"]
    assert theirs["number"] not in other.content.decode()
    assert theirs["tracking_url"] not in other.content.decode()
    assert mine["possible_duplicate"] is True  # an agent sees both
    # And the other partner cannot read the first one's ticket either.
    assert partner_b_client.get(f"{TICKETS}{theirs['number']}/").status_code == 404
    again = partner_client.post(ALARMS, {"serial_number": "HR-0001", "fault_code": "E4"})
    assert again.status_code == 200 and again.json()["number"] == theirs["number"]


def test_an_alarm_for_an_appliance_not_connected_to_the_platform_is_an_unknown_serial(
    partner_client, fridge, partner, intake_area
):
    customer = CustomerFactory(address=None)
    AddressFactory(customer=customer, area=intake_area)
    ApplianceFactory(customer=customer, serial_number="NOT-MINE-1")
    foreign = partner_client.post(ALARMS, {"serial_number": "not-mine-1", "fault_code": "E1"})
    unknown = partner_client.post(ALARMS, {"serial_number": "NOPE-0001", "fault_code": "E1"})
    assert foreign.status_code == unknown.status_code == 404
    error = foreign.json()["error"]
    assert list(error["fields"]) == ["serial_number"]
    assert error["message"] == unknown.json()["error"]["message"].replace("NOPE-0001", "not-mine-1")
    assert not Ticket.objects.exists()


def test_an_appliance_a_partner_registered_takes_its_alarms(partner_client, payload):
    partner_client.post(TICKETS, {**payload, "serial_number": "OWN-1"}, format="json")
    response = partner_client.post(ALARMS, {"serial_number": "own-1", "fault_code": "E7"})
    assert response.status_code == 201
    assert response.json()["in_warranty"] is True  # its own record: the verdict is shown


def test_a_partner_intake_never_changes_an_existing_customer(partner_client, payload, fridge):
    customer = fridge.customer
    old_date = timezone.localdate() - dt.timedelta(days=3000)
    Appliance.objects.filter(pk=fridge.pk).update(purchase_date=None)
    response = partner_client.post(
        TICKETS,
        {
            **payload,
            "customer_name": "Someone Else",
            "address_line": "99 Other Street",
            "purchase_date": old_date.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    # Nothing of a record the partner did not create: no warranty verdict, no estimate.
    assert body["in_warranty"] is None and body["fee_estimate"] is None
    customer.refresh_from_db()
    fridge.refresh_from_db()
    assert customer.name == "Wang Fang" and fridge.purchase_date is None
    default = Address.objects.get(customer=customer, is_default=True)
    assert default.line == "12 Xianggang Road"
    ticket = Ticket.objects.get(number=body["number"])
    assert ticket.address.line == "99 Other Street" and ticket.address.needs_confirmation
    assert Customer.objects.count() == 1
    # Read back later: still nothing of the verdict.
    status = partner_client.get(f"{TICKETS}{body['number']}/").json()
    assert status["in_warranty"] is None and status["fee_estimate"] is None


def test_a_serial_number_of_another_customer_is_refused_without_telling_whose(
    partner_client, payload, fridge
):
    response = partner_client.post(
        TICKETS, {**payload, "mobile": "139 1111 2222", "serial_number": "hr-0001"}, format="json"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert list(error["fields"]) == ["serial_number"]
    assert "Wang" not in response.content.decode()
    assert not Ticket.objects.exists()
    assert not Customer.objects.filter(mobile="+8613911112222").exists()


def test_an_idempotency_key_is_the_partners_own(partner_client, partner_b_client, payload):
    headers = {"HTTP_IDEMPOTENCY_KEY": "same-key"}
    first = partner_client.post(TICKETS, payload, format="json", **headers)
    other = partner_b_client.post(
        TICKETS,
        {**payload, "mobile": "139 1111 3333", "serial_number": "B-1"},
        format="json",
        **headers,
    )
    assert first.status_code == other.status_code == 201
    assert other.json()["number"] != first.json()["number"]
    assert "Idempotent-Replayed" not in other
