"""A call that opens no ticket still leaves a record: logged from the console, kept in the
customer's history; about one of their tickets, it is on that ticket's timeline too."""

import pytest
from django.urls import reverse

from tests.console.conftest import make_appliance
from tests.factories import UserFactory
from tickets import contacts
from tickets.errors import DomainError, PermissionDenied
from tickets.models import CustomerContact, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, agent_a):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(agent_a)
    return client


def _url(customer):
    return reverse("console_contact_new", args=[customer.pk])


def test_enquiry_without_a_ticket_is_recorded_and_in_the_customers_history(desk, area_a, agent_a):
    customer = make_appliance(area_a, mobile="+8613700001111").customer
    form = desk.get(_url(customer), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="contact-form"' in form and "No ticket (an enquiry)" in form
    response = desk.post(
        _url(customer),
        {
            "topic": "enquiry",
            "ticket": "",
            "direction": "inbound",
            "outcome": "reached",
            "note": "Asked how to defrost the freezer",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    contact = CustomerContact.objects.get(customer=customer)
    assert contact.ticket is None and contact.actor == agent_a and contact.topic == "enquiry"
    body = response.content.decode()
    assert "Call logged." in body
    history = body.split('data-testid="contact-history"', 1)[1]
    assert "Asked how to defrost the freezer" in history and "Enquiry" in history
    # Found again by phone the next day: still there.
    again = desk.get(reverse("agent_console"), {"phone": "13700001111"}).content.decode()
    assert "Asked how to defrost the freezer" in again


def test_where_is_my_engineer_needs_the_ticket_and_lands_on_its_timeline(desk, ticket_a):
    url = _url(ticket_a.customer)
    fields = {"topic": "where_is_engineer", "direction": "inbound", "outcome": "reached"}
    response = desk.post(url, {**fields, "ticket": "", "note": "Where is he?"})
    assert response.status_code == 422
    assert "Choose the ticket the customer is asking about." in response.content.decode()
    assert 'data-testid="contact-form"' in response.content.decode()
    response = desk.post(url, {**fields, "ticket": str(ticket_a.pk), "note": "Where is he?"})
    assert response.status_code == 200
    contact = CustomerContact.objects.get(ticket=ticket_a)
    event = TicketEvent.objects.get(ticket=ticket_a, kind="contact_logged")
    assert event.data == {
        "contact_id": contact.pk,
        "direction": "inbound",
        "topic": "where_is_engineer",
        "outcome": "reached",
    }
    history = response.content.decode().split('data-testid="contact-history"', 1)[1]
    assert ticket_a.number in history


def test_bad_input_is_a_form_error_never_a_500(desk, ticket_a):
    url = _url(ticket_a.customer)
    base = {"topic": "enquiry", "direction": "inbound", "outcome": "reached", "ticket": ""}
    for bad in (
        {"note": "x" * 1001},
        {"topic": "gossip", "note": "x"},
        {"ticket": "999999", "note": "x"},
        {"ticket": "abc", "note": "x"},
        {"note": ""},
    ):
        response = desk.post(url, {**base, **bad})
        assert response.status_code == 422, bad
        assert 'class="field-error"' in response.content.decode(), bad
    assert not CustomerContact.objects.exists()


def test_another_centres_customer_is_not_found(client, agent_b, ticket_a):
    client.force_login(agent_b)
    response = client.post(
        _url(ticket_a.customer),
        {"topic": "enquiry", "direction": "inbound", "outcome": "reached", "note": "x"},
    )
    assert response.status_code == 404
    assert client.get(_url(ticket_a.customer)).status_code == 404


@pytest.mark.parametrize("role", ["engineer", "partner", "warehouse"])
def test_engineers_and_partners_may_not_log_calls(client, ticket_a, role):
    client.force_login(UserFactory(username=f"z-{role}", roles=[role]))
    response = client.post(
        _url(ticket_a.customer),
        {"topic": "enquiry", "direction": "inbound", "outcome": "reached", "note": "x"},
    )
    assert response.status_code == 403
    assert not CustomerContact.objects.exists()


def test_the_service_checks_the_role_and_that_the_ticket_is_the_customers(
    ticket_a, ticket_b, agent_a, engineer
):
    with pytest.raises(PermissionDenied):
        contacts.contact_log(
            customer=ticket_a.customer, actor=engineer, direction="inbound", topic="enquiry"
        )
    with pytest.raises(DomainError) as exc:
        contacts.contact_log(
            customer=ticket_a.customer,
            ticket=ticket_b,
            actor=agent_a,
            direction="inbound",
            topic="other",
            note="x",
        )
    assert exc.value.field == "ticket"
    with pytest.raises(PermissionDenied):
        contacts.ticket_note_add(ticket=ticket_a, actor=engineer, text="x")
    with pytest.raises(PermissionDenied):
        contacts.ticket_tracking_link_resend(ticket=ticket_a, actor=None)


@pytest.mark.django_db(transaction=True)
def test_two_agents_resending_the_link_at_once_send_one_sms(transactional_db, ticket_a, agent_a):
    """Two clicks (or two agents) at the same moment, each on its own connection: the
    ticket's row lock lets one SMS through and tells the other it was just sent."""
    import threading

    from django.db import connection

    from tickets.errors import Conflict
    from tickets.models import OutboundMessage

    barrier = threading.Barrier(4)
    outcomes = []

    def resend():
        try:
            barrier.wait()
            contacts.ticket_tracking_link_resend(ticket=ticket_a, actor=agent_a)
            outcomes.append("sent")
        except Conflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=resend) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "sent"]
    assert OutboundMessage.objects.filter(ticket=ticket_a, purpose="tracking_link").count() == 1
