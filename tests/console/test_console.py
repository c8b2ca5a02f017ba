"""The agent console: find the caller, register customer and appliance, open the ticket."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.console.conftest import make_appliance
from tests.factories import minimal_pdf, ticket_create
from tickets.models import Appliance, Customer, Ticket

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def desk(client, agent_a):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(agent_a)
    return client


def test_screen_pop_opens_the_console_already_searched(
    desk, ticket_a, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = desk.get(reverse("agent_console"), {"phone": "13812345678"})
    body = response.content.decode()
    assert response.status_code == 200
    assert ticket_a.customer.name in body
    assert "8 Zhongshan Road" in body
    assert ticket_a.appliance.model_number in body
    assert ticket_a.number in body and "Awaiting dispatch" in body
    assert 'value="13812345678"' in body and "autofocus" in body


def test_last_four_digits_find_the_customer(desk, ticket_a):
    body = desk.get(reverse("agent_console"), {"phone": "5678"}).content.decode()
    assert ticket_a.customer.name in body and ticket_a.number in body


def test_too_few_digits_ask_for_more(desk):
    body = desk.get(reverse("agent_console"), {"phone": "567"}).content.decode()
    assert "at least its last 4 digits" in body


def test_several_matches_are_listed_to_choose(desk, area_a):
    first = make_appliance(area_a, mobile="+8613800001111").customer
    second = make_appliance(area_a, mobile="+8613900001111").customer
    body = desk.get(reverse("agent_console"), {"phone": "1111"}).content.decode()
    assert "2 customers match" in body
    assert first.name in body and second.name in body
    panel = desk.get(reverse("console_customer", args=[second.pk]), **HX)
    assert second.name in panel.content.decode()
    assert panel["HX-Push-Url"].endswith("?phone=13900001111")


def test_htmx_search_returns_only_the_results_fragment(desk, ticket_a):
    response = desk.get(reverse("agent_console"), {"phone": "13812345678"}, **HX)
    body = response.content.decode()
    assert ticket_a.customer.name in body
    assert "<html" not in body and 'id="id_phone"' not in body


def test_unknown_number_offers_the_new_customer_form_prefilled(desk, centre_a):
    body = desk.get(reverse("agent_console"), {"phone": "13700001234"}).content.decode()
    assert "No customer with the number" in body
    assert 'name="mobile"' in body and 'value="13700001234"' in body


def test_create_customer_then_appliance_inline(desk, area_a, warranty_policies):
    response = desk.post(
        reverse("console_customer_new"),
        {
            "name": "Wang Fang",
            "mobile": "137 0000 1234",
            "address_line": "1 Xianggang Rd",
            "area": area_a.pk,
        },
        **HX,
    )
    assert response.status_code == 200
    customer = Customer.objects.get(mobile="+8613700001234")
    body = response.content.decode()
    assert "Wang Fang" in body and "New appliance" in body
    assert response["HX-Push-Url"].endswith("?phone=13700001234")

    response = desk.post(
        reverse("console_appliance_new", args=[customer.pk]),
        {
            "category": "fridge",
            "brand": "Haier",
            "model_number": "BCD-470WDPG",
            "serial_number": "ab123",
            "purchase_date": "2020-05-01",
            "purchase_channel": "store",
            "proof_of_purchase": SimpleUploadedFile(
                "invoice.pdf", minimal_pdf(), "application/pdf"
            ),
        },
        **HX,
    )
    assert response.status_code == 200
    appliance = Appliance.objects.get(customer=customer)
    assert appliance.serial_number == "AB123"
    body = response.content.decode()
    # Straight on to the ticket form, with the verdict already shown.
    assert "New ticket" in body and "Out of warranty" in body
    proof = desk.get(reverse("console_appliance_proof", args=[appliance.pk]))
    assert proof.status_code == 200
    assert b"".join(proof.streaming_content) == minimal_pdf()


def test_bad_customer_input_keeps_what_was_typed_and_names_the_field(desk, area_a):
    response = desk.post(
        reverse("console_customer_new"),
        {"name": "Li Lei", "mobile": "12345", "address_line": "9 Qufu Rd", "area": area_a.pk},
        **HX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Enter a valid mobile phone number." in body
    assert 'value="Li Lei"' in body and 'value="9 Qufu Rd"' in body and 'value="12345"' in body
    assert not Customer.objects.exists()


def test_area_outside_the_centre_is_refused(desk, area_a, area_b):
    response = desk.post(
        reverse("console_customer_new"),
        {"name": "Li Lei", "mobile": "13700001234", "address_line": "9 Qufu Rd", "area": area_b.pk},
        **HX,
    )
    assert response.status_code == 422
    assert not Customer.objects.exists()


def test_edit_customer_inline(desk, ticket_a, area_a):
    customer = ticket_a.customer
    form = desk.get(reverse("console_customer_edit", args=[customer.pk]), **HX).content.decode()
    assert 'value="13812345678"' in form and "8 Zhongshan Road" in form
    response = desk.post(
        reverse("console_customer_edit", args=[customer.pk]),
        {
            "name": "Zhang Wei",
            "mobile": "13812345678",
            "address_line": "2 New Rd",
            "area": area_a.pk,
        },
        **HX,
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.name == "Zhang Wei"
    assert customer.addresses.get().line == "2 New Rd"


def test_edit_appliance_and_future_purchase_date_is_refused(desk, ticket_a):
    appliance = ticket_a.appliance
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = {
        "category": "fridge",
        "brand": "Haier",
        "model_number": "BCD-216STPT",
        "purchase_date": tomorrow.isoformat(),
        "purchase_channel": "online",
    }
    response = desk.post(reverse("console_appliance_edit", args=[appliance.pk]), data, **HX)
    assert response.status_code == 422
    assert "cannot be in the future" in response.content.decode()
    assert 'value="BCD-216STPT"' in response.content.decode()
    data["purchase_date"] = "2025-01-02"
    response = desk.post(reverse("console_appliance_edit", args=[appliance.pk]), data, **HX)
    assert response.status_code == 200
    appliance.refresh_from_db()
    assert appliance.model_number == "BCD-216STPT"
    assert appliance.purchase_date == dt.date(2025, 1, 2)


def test_warranty_fragment_flips_at_the_day_boundary(desk, warranty_policies, fee_schedule):
    url = reverse("console_warranty")
    params = {"category": "fridge", "purchase_date": "2025-03-15", "fault_class": "standard"}
    # Covered through 2026-03-14 (local time); out from 2026-03-15 00:00 in Shanghai,
    # which is still 2026-03-14 in UTC.
    with time_machine.travel(dt.datetime(2026, 3, 14, 15, 59, tzinfo=dt.UTC), tick=False):
        body = desk.get(url, params, **HX).content.decode()
    assert "In warranty" in body and "2026-03-14" in body
    assert "Fee estimate" not in body
    with time_machine.travel(dt.datetime(2026, 3, 14, 16, 1, tzinfo=dt.UTC), tick=False):
        body = desk.get(url, params, **HX).content.decode()
    assert "Out of warranty" in body
    assert "Compressor" in body and "covered until" in body  # 10 years on the compressor
    assert "¥170.00" in body


def test_warranty_fragment_without_a_date_says_unknown(desk, warranty_policies):
    body = desk.get(
        reverse("console_warranty"), {"category": "fridge", "purchase_date": ""}
    ).content
    assert b"Warranty unknown" in body


def test_fee_estimate_follows_the_fault_class(desk, out_of_warranty_ticket):
    url = reverse("console_warranty")
    params = {"appliance": out_of_warranty_ticket.appliance_id, "fault_class": "complex"}
    body = desk.get(url, params, **HX).content.decode()
    assert "¥310.00" in body


def _ticket_post(**extra):
    return {
        "channel": "hotline",
        "priority": "normal",
        "fault_class": "standard",
        "fault_description": "Fridge not cooling, compressor clicks",
        "fault_code": "E1",
        **extra,
    }


def test_open_ticket_redirects_to_its_page(desk, area_a, warranty_policies, fee_schedule, agent_a):
    appliance = make_appliance(area_a, mobile="+8613700009999", days_old=30)
    response = desk.post(reverse("console_ticket_new", args=[appliance.pk]), _ticket_post(), **HX)
    ticket = Ticket.objects.get(appliance=appliance)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("ticket_detail", args=[ticket.pk])
    assert ticket.created_by == agent_a and ticket.fault_code == "E1"
    assert ticket.status == "awaiting_dispatch"


def test_open_ticket_errors_keep_the_typing(desk, area_a, warranty_policies):
    appliance = make_appliance(area_a, mobile="+8613700009999")
    response = desk.post(
        reverse("console_ticket_new", args=[appliance.pk]),
        _ticket_post(priority="appointment", fault_description="Leaking water"),
        **HX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "needs the customer&#x27;s preferred window" in body or "preferred window" in body
    assert "Leaking water" in body
    assert not Ticket.objects.exists()


def test_preferred_window_is_read_in_shanghai_time(desk, area_a, warranty_policies):
    appliance = make_appliance(area_a, mobile="+8613700009999")
    day = timezone.localdate() + dt.timedelta(days=10)
    desk.post(
        reverse("console_ticket_new", args=[appliance.pk]),
        _ticket_post(
            priority="appointment",
            preferred_start=f"{day}T09:00",
            preferred_end=f"{day}T12:00",
        ),
        **HX,
    )
    ticket = Ticket.objects.get(appliance=appliance)
    assert ticket.preferred_start == dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "days,error",
    [(-1, "cannot start in the past"), (61, "within the next 60 days")],
)
def test_a_preferred_window_outside_the_booking_range_is_refused(
    desk, area_a, warranty_policies, days, error
):
    appliance = make_appliance(area_a, mobile="+8613700009999")
    day = timezone.localdate() + dt.timedelta(days=days)
    response = desk.post(
        reverse("console_ticket_new", args=[appliance.pk]),
        _ticket_post(
            priority="appointment", preferred_start=f"{day}T09:00", preferred_end=f"{day}T12:00"
        ),
        **HX,
    )
    assert response.status_code == 422 and error in response.content.decode()
    assert not Ticket.objects.exists()


def test_duplicate_is_flagged_before_saving_and_needs_confirmation(desk, ticket_a):
    url = reverse("console_ticket_new", args=[ticket_a.appliance_id])
    form = desk.get(url, **HX).content.decode()
    assert "Likely duplicate" in form and ticket_a.number in form
    response = desk.post(url, _ticket_post(), **HX)
    assert response.status_code == 422
    assert "already has an open ticket" in response.content.decode()
    assert Ticket.objects.filter(appliance=ticket_a.appliance).count() == 1
    response = desk.post(url, _ticket_post(confirm_duplicate="on"), **HX)
    assert response.status_code == 204
    assert Ticket.objects.filter(appliance=ticket_a.appliance).count() == 2


def test_closed_ticket_is_not_a_duplicate(desk, ticket_a, agent_a):
    from tickets.services import ticket_cancel

    ticket_cancel(ticket=ticket_a, actor=agent_a, reason="customer fixed it")
    form = desk.get(reverse("console_ticket_new", args=[ticket_a.appliance_id]), **HX)
    assert "Likely duplicate" not in form.content.decode()


def test_console_history_shows_each_ticket(desk, ticket_a, agent_a, django_assert_max_num_queries):
    second = ticket_create(appliance=ticket_a.appliance, actor=agent_a, fault_description="Noise")
    with django_assert_max_num_queries(12):
        body = desk.get(reverse("agent_console"), {"phone": "5678"}).content.decode()
    assert ticket_a.number in body and second.number in body


def test_the_agent_opens_an_installation_and_sees_its_fee_estimate(
    desk, area_a, warranty_policies, fee_schedule, agent_a
):
    from decimal import Decimal

    from tickets.models import FeeItem

    FeeItem.objects.create(
        kind="labour",
        category="fridge",
        fault_class="standard",
        service_type_id="maintenance",
        amount=Decimal("66.00"),
    )
    appliance = make_appliance(area_a, mobile="+8613700009999", days_old=30)
    form = desk.get(reverse("console_ticket_new", args=[appliance.pk]), **HX).content.decode()
    assert 'name="service_type"' in form and 'value="installation"' in form
    verdict = desk.get(
        reverse("console_warranty"),
        {"appliance": appliance.pk, "service_type": "maintenance"},
    ).content.decode()
    assert "116" in verdict  # in warranty, yet a paid cleaning: 50 call-out + 66 labour
    response = desk.post(
        reverse("console_ticket_new", args=[appliance.pk]),
        _ticket_post(service_type="installation"),
        **HX,
    )
    assert response.status_code == 204
    assert Ticket.objects.get(appliance=appliance).service_type_id == "installation"
    response = desk.post(
        reverse("console_ticket_new", args=[appliance.pk]),
        _ticket_post(service_type="teleport", confirm_duplicate="on"),
        **HX,
    )
    assert response.status_code == 422 and "service_type" in response.content.decode()
