"""A customer asks for another time or a cancellation on the tracking page; the request lands
on the desk of the ticket's call centre, once per kind while open."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AddressFactory,
    ApplianceFactory,
    CustomerFactory,
    ServiceAreaFactory,
    UserFactory,
    ticket_create,
)
from tickets.models import CallCentre, CustomerRequest, TicketEvent

pytestmark = pytest.mark.django_db


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def centres():
    north, south = ServiceAreaFactory(code="QD-N"), ServiceAreaFactory(code="QD-S")
    centre_n = CallCentre.objects.create(name="North desk")
    centre_n.areas.add(north)
    centre_s = CallCentre.objects.create(name="South desk")
    centre_s.areas.add(south)
    return {"north": (north, centre_n), "south": (south, centre_s)}


def _ticket_in(area):
    customer = CustomerFactory(address=None)
    address = AddressFactory(customer=customer, area=area)
    appliance = ApplianceFactory(customer=customer)
    return ticket_create(appliance=appliance, address=address)


def _ask(client, ticket, kind, **data):
    return client.post(
        reverse("customer_request_from_track", args=[ticket.public_token, kind]), data
    )


def test_a_reschedule_request_lands_on_its_centres_desk_only(client, centres, warranty_policies):
    north_area, north_centre = centres["north"]
    _south_area, south_centre = centres["south"]
    ticket = _ticket_in(north_area)
    when = timezone.now() + dt.timedelta(days=2)
    response = _ask(client, ticket, "reschedule", preferred_start=_local(when), note="After 6pm")
    assert response.status_code == 302
    request = CustomerRequest.objects.get(ticket=ticket)
    assert request.kind == "reschedule" and request.status == "open"
    assert TicketEvent.objects.filter(ticket=ticket, kind="customer_requested").exists()
    page = client.get(response["Location"])
    assert "We have your request for another time" in page.content.decode()

    north_agent = UserFactory(username="nina", roles=["agent"], desk=north_centre)
    south_agent = UserFactory(username="sven", roles=["agent"], desk=south_centre)
    client.force_login(north_agent)
    desk = client.get(reverse("customer_request_list")).content.decode()
    assert ticket.number in desk and "After 6pm" in desk
    detail = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "customer-requests-panel" in detail
    client.force_login(south_agent)
    assert ticket.number not in client.get(reverse("customer_request_list")).content.decode()
    # Nor may the other centre mark it done.
    done_url = reverse("customer_request_mark_done", args=[request.pk])
    assert client.post(done_url).status_code == 404

    client.force_login(north_agent)
    assert client.post(done_url).status_code == 302
    request.refresh_from_db()
    assert request.status == "done" and request.handled_by == north_agent
    assert ticket.number not in client.get(reverse("customer_request_list")).content.decode()


def test_a_second_open_request_of_a_kind_is_refused(client, centres, warranty_policies):
    ticket = _ticket_in(centres["north"][0])
    assert _ask(client, ticket, "cancel", reason_code="fixed_itself").status_code == 302
    again = _ask(client, ticket, "cancel", reason_code="too_expensive")
    assert again.status_code == 422
    assert "We already have this request" in again.content.decode()
    assert CustomerRequest.objects.filter(ticket=ticket).count() == 1
    # Another kind is still welcome.
    when = timezone.now() + dt.timedelta(days=1)
    assert _ask(client, ticket, "reschedule", preferred_start=_local(when)).status_code == 302


def test_requests_are_bounded_and_checked_field_by_field(client, centres, warranty_policies):
    ticket = _ticket_in(centres["north"][0])
    long_note = _ask(client, ticket, "cancel", reason_code="other", note="x" * 501)
    assert long_note.status_code == 422
    assert "500 characters" in long_note.content.decode()
    bad_code = _ask(client, ticket, "cancel", reason_code="angry")
    assert bad_code.status_code == 422 and 'id="cancel_reason_code"' in bad_code.content.decode()
    past = _ask(
        client,
        ticket,
        "reschedule",
        preferred_start=_local(timezone.now() - dt.timedelta(days=1)),
    )
    assert past.status_code == 422
    assert "cannot start in the past" in past.content.decode()
    missing = _ask(client, ticket, "reschedule")
    assert missing.status_code == 422
    assert _ask(client, ticket, "upgrade").status_code == 404
    assert not CustomerRequest.objects.exists()


def test_requests_are_rate_limited_per_address(client, centres, warranty_policies, settings):
    settings.CUSTOMER_REQUEST_RATE = (1, 3600)
    ticket = _ticket_in(centres["north"][0])
    from django.core.cache import caches

    caches["ratelimit"].clear()
    assert _ask(client, ticket, "cancel", reason_code="other").status_code == 302
    limited = _ask(client, ticket, "reschedule", preferred_start=_local(timezone.now()))
    assert limited.status_code == 429 and limited["Retry-After"]
    assert CustomerRequest.objects.count() == 1


def test_the_page_shows_the_operators_brand_and_hotline(client, settings, warranty_policies):
    settings.OPERATOR_BRAND = "Haier"
    settings.OPERATOR_HOTLINE = "400-000-1234"
    ticket = ticket_create()
    html = client.get(reverse("ticket_track", args=[ticket.public_token])).content.decode()
    assert "400-000-1234" in html and 'href="tel:400-000-1234"' in html
