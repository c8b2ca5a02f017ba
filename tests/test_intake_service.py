import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import ApplianceFactory, ticket_create
from tickets.errors import DomainError, TransitionNotAllowed
from tickets.lifecycle import Status
from tickets.models import Customer, OutboundMessage
from tickets.services import (
    customer_create,
    phone_normalize,
    ticket_accept_fee,
    ticket_resolve_remotely,
)


def test_in_warranty_ticket_goes_straight_to_dispatch(warranty_policies, agent):
    ticket = ticket_create(actor=agent)
    assert ticket.status == Status.AWAITING_DISPATCH
    assert ticket.in_warranty
    assert ticket.number.startswith(f"SR-{timezone.localdate():%Y%m%d}-")
    assert [e.kind for e in ticket.events.all()] == ["created", "status"]


def test_out_of_warranty_ticket_waits_for_fee_acceptance(warranty_policies, fee_schedule, agent):
    old = ApplianceFactory(purchase_date=timezone.localdate() - dt.timedelta(days=900))
    ticket = ticket_create(appliance=old, actor=agent)
    assert ticket.status == Status.AWAITING_FEE_ACCEPTANCE
    assert str(ticket.fee_estimate) == "170.00"
    ticket_accept_fee(ticket=ticket, actor=agent, note="agreed on the phone")
    assert ticket.status == Status.AWAITING_DISPATCH
    assert ticket.fee_accepted_by == agent and ticket.fee_accepted_at is not None
    with pytest.raises(TransitionNotAllowed):
        ticket_accept_fee(ticket=ticket, actor=agent)


def test_acknowledgement_sms_written_with_the_ticket(warranty_policies, agent):
    ticket = ticket_create(actor=agent)
    message = OutboundMessage.objects.get(ticket=ticket)
    assert message.purpose == "acknowledgement"
    assert message.to == ticket.customer.mobile
    assert ticket.public_token in message.body


def test_resolve_remotely_records_check_back(warranty_policies, agent):
    ticket = ticket_create(actor=agent)
    ticket_resolve_remotely(ticket=ticket, actor=agent, guidance="Reset the breaker")
    assert ticket.status == Status.RESOLVED_REMOTELY
    # The check-back deadline is the SLA policy's clock, not a number stored in the event.
    assert ticket.sla_clocks.filter(kind="check_back", state="running").exists()


@pytest.mark.parametrize("raw", ["12345", "abc", "+1 415 555 0100", "02088888888", ""])
def test_invalid_mobile_numbers_are_refused_with_the_field(raw):
    with pytest.raises(DomainError) as info:
        phone_normalize(raw)
    assert info.value.field == "mobile"


def test_phone_search_by_last_digits(area):
    customer_create(name="Wang", mobile="138 0013 8000", address_line="1 Road", area=area)
    assert phone_normalize("13800138000") == "+8613800138000"
    assert Customer.objects.by_phone("8000").get().name == "Wang"
    assert Customer.objects.by_phone("+86 138-0013-8000").get().name == "Wang"
    assert not Customer.objects.by_phone("9999").exists()


def test_appointment_needs_a_window(warranty_policies):
    with pytest.raises(DomainError) as info:
        ticket_create(priority="appointment")
    assert info.value.field == "preferred_start"


@pytest.mark.django_db(transaction=True)
def test_twenty_desks_registering_one_new_number_make_one_customer():
    """Twenty agents (their own connections) register the same caller at once: one
    customer; every other agent is shown that customer."""
    import threading

    from django.db import connection

    from tests.factories import ServiceAreaFactory
    from tickets.intake import CustomerOnFile, customer_register

    area = ServiceAreaFactory()
    barrier = threading.Barrier(20)
    outcomes: list = [None] * 20

    def register(i):
        try:
            barrier.wait(timeout=20)
            customer, _address = customer_register(
                name=f"Caller {i}", mobile="13912340000", address_line="1 Road", area=area
            )
            outcomes[i] = ("created", customer.pk)
        except CustomerOnFile as exc:
            outcomes[i] = ("on_file", exc.customer.pk)
        except Exception as exc:  # reported by the assertion below
            outcomes[i] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(kind for kind, _pk in outcomes) == ["created"] + ["on_file"] * 19, outcomes
    assert Customer.objects.count() == 1
    assert {pk for _kind, pk in outcomes} == {Customer.objects.get().pk}
