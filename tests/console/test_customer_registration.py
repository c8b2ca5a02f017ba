"""Master data cannot fork: a number on file finds its customer, a serial number its
appliance, and the service area is chosen, never defaulted."""

import re

import pytest
from django.urls import reverse

from tests.console.conftest import make_appliance
from tickets.models import Address, Appliance, ApplianceTransfer, Customer, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def desk(client, agent_a):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(agent_a)
    return client


def _register(desk, area, **changes):
    body = {
        "name": "Wang Fang",
        "mobile": "137 0000 1234",
        "address_line": "1 Xianggang Rd",
        "area": area.pk if area else "",
        **changes,
    }
    return desk.post(reverse("console_customer_new"), body, **HX)


def test_a_number_on_file_finds_the_customer_instead_of_a_second_record(desk, area_a):
    first = make_appliance(area_a, mobile="+8613700001234").customer
    response = _register(desk, area_a, name="Wang F.")
    assert response.status_code == 422
    body = response.content.decode()
    assert "This number is on file" in body and first.name in body
    assert f'hx-get="{reverse("console_customer", args=[first.pk])}"' in body
    assert Customer.objects.count() == 1


def test_a_customer_of_another_centre_is_masked_and_can_get_this_address(
    desk, area_a, area_b, agent_a
):
    theirs = make_appliance(area_b, mobile="+8613700001234").customer
    response = _register(desk, area_a)
    body = response.content.decode()
    assert response.status_code == 422
    assert "137****1234" in body and "another call centre" in body
    assert theirs.name not in body and "13700001234" not in body.replace(
        'value="137 0000 1234"', ""
    )
    assert reverse("console_customer", args=[theirs.pk]) not in body

    response = _register(desk, area_a, on_file_action="add_address", contact_name="Wang Lei")
    assert response.status_code == 200
    assert Customer.objects.count() == 1
    added = Address.objects.get(customer=theirs, area=area_a)
    assert added.line == "1 Xianggang Rd" and added.contact_name == "Wang Lei"
    assert theirs.name in response.content.decode()  # now the agent's customer too


def test_a_deliberate_second_customer_on_a_number_needs_a_reason(desk, area_a):
    make_appliance(area_a, mobile="+8613700001234")
    response = _register(desk, area_a, name="Wang Shop", duplicate_reason="nonsense")
    assert response.status_code == 422 and Customer.objects.count() == 1
    response = _register(desk, area_a, name="Wang Shop", duplicate_reason="business")
    assert response.status_code == 200
    second = Customer.objects.get(name="Wang Shop")
    assert second.mobile == "+8613700001234" and second.duplicate_reason == "business"
    # The number still finds the first customer for every channel.
    from tickets.intake import customer_on_file

    assert customer_on_file("+8613700001234").name != "Wang Shop"


def test_the_new_customer_form_has_no_default_area_and_suggests_one(desk, area_a, centre_a):
    from tests.factories import ServiceAreaFactory

    laoshan = ServiceAreaFactory(code="QD-LS", name="Laoshan", city="Qingdao")
    centre_a.areas.add(laoshan)
    form = desk.get(reverse("console_customer_new"), **HX).content.decode()
    select = re.search(r'<select name="area".*?</select>', form, re.S).group(0)
    assert "Choose the service area" in select
    assert re.findall(r'value="(\d*)" selected', select) == [""]

    response = _register(desk, None)
    assert response.status_code == 422
    assert "Choose the service area." in response.content.decode()
    assert not Customer.objects.exists()

    hint = desk.get(
        reverse("console_customer_new_area"), {"address_line": "8 Laoshan Road, Laoshan"}, **HX
    ).content.decode()
    assert "Suggested from the address: Qingdao · Laoshan" in hint
    assert "<select" not in hint  # the choice is the agent's
    # A posted form that failed shows the suggestion with the choice still open.
    response = _register(desk, None, address_line="8 Laoshan Road, Laoshan")
    text = response.content.decode()
    assert "Suggested from the address: Qingdao · Laoshan" in text
    select = re.search(r'<select name="area".*?</select>', text, re.S).group(0)
    assert re.findall(r'value="(\d*)" selected', select) == [""]


def test_a_serial_on_file_is_transferred_explicitly_and_recorded(desk, area_a, agent_a):
    sold = make_appliance(area_a, mobile="+8613700005555")
    sold.serial_number = "AB123"
    sold.save()
    seller = sold.customer
    buyer = make_appliance(area_a, mobile="+8613700006666").customer
    url = reverse("console_appliance_new", args=[buyer.pk])
    body = {
        "category": "fridge",
        "brand": "Haier",
        "model_number": "BCD-470WDPG",
        "serial_number": "ab123",
        "purchase_channel": "store",
    }
    response = desk.post(url, body, **HX)
    assert response.status_code == 422
    text = response.content.decode()
    assert "registered to another customer" in text and 'name="transfer_reason"' in text
    assert Appliance.objects.filter(serial_number__iexact="AB123").count() == 1

    response = desk.post(url, {**body, "transfer_reason": "sold"}, **HX)
    assert response.status_code == 200
    sold.refresh_from_db()
    assert sold.customer == buyer
    transfer = ApplianceTransfer.objects.get()
    assert (transfer.from_customer, transfer.to_customer, transfer.reason) == (
        seller,
        buyer,
        "sold",
    )
    assert transfer.actor == agent_a
    assert Appliance.objects.filter(serial_number__iexact="AB123").count() == 1


def test_a_confirmed_duplicate_ticket_is_flagged(desk, ticket_a):
    url = reverse("console_ticket_new", args=[ticket_a.appliance_id])
    post = {
        "channel": "hotline",
        "priority": "normal",
        "fault_class": "standard",
        "fault_description": "Still warm",
        "confirm_duplicate": "on",
    }
    assert desk.post(url, post, **HX).status_code == 204
    new = Ticket.objects.exclude(pk=ticket_a.pk).get()
    created = TicketEvent.objects.get(ticket=new, kind="created")
    assert created.data["possible_duplicate_of"] == ticket_a.number


@pytest.mark.parametrize("date", ["1989-12-31", "9999-01-01"])
def test_an_implausible_purchase_date_is_a_form_error(desk, area_a, date):
    customer = make_appliance(area_a, mobile="+8613700007777").customer
    response = desk.post(
        reverse("console_appliance_new", args=[customer.pk]),
        {
            "category": "tv",
            "brand": "Hisense",
            "model_number": "65E3F",
            "purchase_date": date,
            "purchase_channel": "store",
        },
        **HX,
    )
    assert response.status_code == 422
    assert "The purchase date cannot be" in response.content.decode()
    assert customer.appliances.count() == 1
