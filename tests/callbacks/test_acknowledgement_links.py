"""The acknowledgement SMS follows the operator's link setting like the rating SMS: the
private link, or the fixed tracking address with a code typed there (issue 12 item 3); so do
the reschedule SMS and a resent tracking link."""

import uuid

import pytest
from django.urls import reverse

from callbacks.models import CallbackPolicy
from tests.factories import ticket_create
from tickets.customer_links import customer_code
from tickets.models import OutboundMessage

pytestmark = pytest.mark.django_db


def _fixed_address():
    policy = CallbackPolicy.objects.get()
    policy.sms_links = CallbackPolicy.SmsLinks.FIXED_ADDRESS
    policy.save()


def _ack(ticket):
    return OutboundMessage.objects.get(ticket=ticket, purpose="acknowledgement").body


def test_the_acknowledgement_carries_the_link_or_the_fixed_address_and_code(
    warranty_policies, agent
):
    private = ticket_create(actor=agent)
    assert private.public_token in _ack(private)
    _fixed_address()
    fixed = ticket_create(actor=agent)
    body = _ack(fixed)
    assert fixed.public_token not in body
    assert "/track/" in body and customer_code(fixed, "track") in body and fixed.number in body


def test_the_number_and_code_open_the_tracking_page_and_wrong_codes_are_limited(
    warranty_policies, agent, client
):
    _fixed_address()
    ticket = ticket_create(actor=agent)
    url = reverse("ticket_track_fixed")
    assert client.get(url).status_code == 200
    code = customer_code(ticket, "track")
    response = client.post(url, {"number": ticket.number.lower(), "code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("ticket_track", args=[ticket.public_token])
    address = f"198.51.100.1-{uuid.uuid4().hex}"  # its own counter
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = client.post(url, {"number": ticket.number, "code": wrong}, REMOTE_ADDR=address)
        assert response.status_code == 422
        assert ticket.public_token not in response.content.decode()
    blocked = client.post(url, {"number": ticket.number, "code": code}, REMOTE_ADDR=address)
    assert blocked.status_code == 429
    bad = client.post(url, {"number": ticket.number, "code": "12ab"})
    assert bad.status_code == 422 and 'class="field-error"' in bad.content.decode()


def _rescheduled(ticket):
    """The customer's visit booked and moved, as dispatch does it."""
    import datetime as dt

    from django.utils import timezone

    from dispatch import services
    from tests.dispatch.factories import EngineerFactory

    engineer = EngineerFactory()
    assert services.ticket_dispatch_auto(ticket_id=ticket.pk).engineer == engineer
    services.assignment_accept(engineer=engineer, ticket_id=ticket.pk)
    day = timezone.localdate() + dt.timedelta(days=1)

    def at(hour):
        return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())

    services.appointment_book(
        engineer=engineer, ticket_id=ticket.pk, window_start=at(9), window_end=at(11)
    )
    services.appointment_reschedule(
        ticket_id=ticket.pk,
        window_start=at(14),
        window_end=at(16),
        customer_consent=True,
        actor=engineer.user,
        engineer=engineer,
        reason="Customer busy in the morning",
    )
    return OutboundMessage.objects.get(ticket=ticket, purpose="visit_rescheduled").body


def test_the_reschedule_sms_carries_the_link_or_the_fixed_address_and_code(warranty_policies):
    from .conftest import new_ticket

    private = new_ticket()
    assert private.public_token in _rescheduled(private)
    _fixed_address()
    fixed = new_ticket()
    body = _rescheduled(fixed)
    assert fixed.public_token not in body
    assert "/track/" in body and customer_code(fixed, "track") in body and fixed.number in body


def test_a_resent_tracking_sms_follows_the_setting_too(warranty_policies, agent):
    from tickets.contacts import ticket_tracking_link_resend

    _fixed_address()
    ticket = ticket_create(actor=agent)
    ticket_tracking_link_resend(ticket=ticket, actor=agent)
    body = OutboundMessage.objects.get(ticket=ticket, purpose="tracking_link").body
    assert ticket.public_token not in body
    assert "/track/" in body and customer_code(ticket, "track") in body and ticket.number in body
