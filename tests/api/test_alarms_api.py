import pytest

from tests.factories import ApplianceFactory
from tickets.models import Ticket, TicketEvent

URL = "/api/v1/alarms/"


@pytest.fixture
def fridge(intake_area, warranty_policies, fee_schedule, partner):
    from tests.factories import AddressFactory, CustomerFactory

    customer = CustomerFactory(address=None, mobile="+8613700137000")
    AddressFactory(customer=customer, area=intake_area)
    appliance = ApplianceFactory(customer=customer, serial_number="HRF-77AB")
    appliance.device_platforms.add(partner)  # the partner is its device platform
    return appliance


def test_alarm_finds_the_appliance_by_serial_in_any_case(partner_client, fridge, partner):
    response = partner_client.post(
        URL, {"serial_number": "hrf-77ab", "fault_code": "e4", "description": "Door sensor"}
    )
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert ticket.channel == "iot_alarm" and ticket.appliance == fridge
    assert ticket.customer == fridge.customer and ticket.address.area.code == "QD-SN"
    assert ticket.fault_code == "E4" and ticket.priority == "normal"
    assert ticket.fault_description == "Door sensor"
    assert ticket.created_by == partner


@pytest.mark.parametrize("code", ["SAFE-GAS", "safe-smoke-2", "SMOKE", "GAS-LEAK"])
def test_safety_fault_codes_are_emergencies(partner_client, fridge, code):
    body = partner_client.post(URL, {"serial_number": "HRF-77AB", "fault_code": code}).json()
    ticket = Ticket.objects.get(number=body["number"])
    assert body["priority"] == "emergency" and ticket.priority == "emergency"
    assert code.upper() in ticket.fault_description


def test_unknown_serial_is_404_naming_the_field(partner_client, fridge):
    response = partner_client.post(URL, {"serial_number": "NOPE-1", "fault_code": "E1"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found" and "serial_number" in error["fields"]
    assert "NOPE-1" in error["message"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"fault_code": "E1"}, "serial_number"),
        ({"serial_number": "HRF-77AB"}, "fault_code"),
        ({"serial_number": "HRF-77AB", "fault_code": "E 1; drop"}, "fault_code"),
    ],
)
def test_alarm_validation(partner_client, fridge, body, field):
    response = partner_client.post(URL, body)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_a_repeated_alarm_returns_the_open_ticket(partner_client, fridge):
    first = partner_client.post(URL, {"serial_number": "HRF-77AB", "fault_code": "E4"})
    again = partner_client.post(URL, {"serial_number": "HRF-77AB", "fault_code": "E4"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind="alarm_repeated").count() == 1
    other = partner_client.post(URL, {"serial_number": "HRF-77AB", "fault_code": "E9"})
    assert other.status_code == 201 and Ticket.objects.count() == 2


def test_alarm_idempotency_key(partner_client, fridge):
    headers = {"HTTP_IDEMPOTENCY_KEY": "alarm-1"}
    first = partner_client.post(URL, {"serial_number": "HRF-77AB", "fault_code": "E4"}, **headers)
    again = partner_client.post(URL, {"serial_number": "HRF-77AB", "fault_code": "E4"}, **headers)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    # The same key on the ticket endpoint is another request.
    clash = partner_client.post("/api/v1/tickets/", {"mobile": "1"}, format="json", **headers)
    assert clash.status_code == 422


def test_serial_lookup_uses_the_upper_index(fridge):
    from django.db import connection

    from tickets.models import Appliance

    sql, params = Appliance.objects.filter(serial_number__iexact="hrf-77ab").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "appliance_serial_upper_idx" in plan
