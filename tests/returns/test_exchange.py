"""A proposal needs an approver with the right role; approval updates the appliance
records and warranties; rejection keeps a reason code; every step is a ticket event."""

import datetime as dt

import pytest
import time_machine

from tests.factories import ticket_create
from tickets.errors import DomainError, PermissionDenied
from tickets.exchanges.models import ExchangeProposal
from tickets.exchanges.services import exchange_approve, exchange_propose, exchange_reject
from tickets.extended_warranty.models import ExtendedWarrantyContract
from tickets.lifecycle import Status
from tickets.models import Appliance
from tickets.services import ticket_transition
from tickets.warranty import appliance_warranty_verdict

from .conftest import BOUGHT, an_appliance, local, on_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_10_ticket(warranty_policies, area):
    appliance = an_appliance(area, serial="OLD-0001")
    with time_machine.travel(local(BOUGHT + dt.timedelta(days=10)), tick=False):
        return ticket_create(appliance=appliance)


def propose(ticket, actor, rule="exchange_15_days", **kwargs):
    return exchange_propose(
        ticket=ticket, rule_code=rule, fault="not_cooling", cause="defect", actor=actor, **kwargs
    )


def test_a_rule_that_does_not_apply_cannot_be_proposed(day_10_ticket, agent):
    with pytest.raises(DomainError) as exc:
        propose(day_10_ticket, agent, rule="return_7_days")
    assert exc.value.field == "rule"
    assert "day 10" in str(exc.value)


def test_approval_needs_a_supervisor_or_quality_and_not_the_proposer(
    day_10_ticket, agent, dispatcher, engineer_user, supervisor
):
    proposal = propose(day_10_ticket, agent, note="Customer asks for a new unit")
    assert proposal.state == "proposed"
    for who in (agent, dispatcher, engineer_user):
        with pytest.raises(PermissionDenied):
            exchange_approve(proposal=proposal, actor=who, new_serial="NEW-0001")
    # a supervisor's own proposal needs another approver
    own = ExchangeProposal.objects.get(pk=proposal.pk)
    own.proposed_by = supervisor
    own.save()
    with pytest.raises(PermissionDenied):
        exchange_approve(proposal=own, actor=supervisor, new_serial="NEW-0001")
    assert not Appliance.objects.filter(serial_number="NEW-0001").exists()
    day_10_ticket.appliance.refresh_from_db()
    assert day_10_ticket.appliance.state == "in_use"


def test_an_engineer_proposes_only_on_their_own_job(day_10_ticket, engineer_user, engineer_user2):
    on_site(day_10_ticket, engineer_user)
    with pytest.raises(PermissionDenied):
        propose(day_10_ticket, engineer_user2)
    assert propose(day_10_ticket, engineer_user).proposed_by == engineer_user


def test_one_proposal_at_a_time(day_10_ticket, agent, dispatcher):
    propose(day_10_ticket, agent)
    with pytest.raises(DomainError):
        propose(day_10_ticket, dispatcher)


def test_exchange_updates_appliances_warranties_and_contracts(
    day_10_ticket, agent, supervisor, quality
):
    from tickets.extended_warranty.models import ExtendedWarrantyProduct
    from tickets.extended_warranty.services import contract_sell

    product = ExtendedWarrantyProduct.objects.create(
        code="fridge-2y",
        name_zh_hans="冰箱延保2年",
        name_en="Fridge +2 years",
        price="199.00",
        coverage="whole_unit",
        years=2,
        categories=["fridge"],
        max_age_months=11,
    )
    old = day_10_ticket.appliance
    with time_machine.travel(local(BOUGHT + dt.timedelta(days=10)), tick=False):
        contract = contract_sell(appliance=old, product=product, actor=agent, channel="console")
    with time_machine.travel(local(BOUGHT + dt.timedelta(days=11)), tick=False):
        proposal = propose(day_10_ticket, agent)
    with time_machine.travel(local(BOUGHT + dt.timedelta(days=12)), tick=False):
        proposal = exchange_approve(
            proposal=proposal, actor=quality, new_serial="new-0001", note="Stock unit"
        )
    old.refresh_from_db()
    new = Appliance.objects.get(serial_number="NEW-0001")
    assert (proposal.state, proposal.old_serial, proposal.new_serial) == (
        "approved",
        "OLD-0001",
        "NEW-0001",
    )
    assert old.state == "exchanged" and old.replaced_by == new
    assert new.customer_id == old.customer_id and new.state == "in_use"
    # the new unit's warranty runs from the exchange date (the rule says so)
    assert new.purchase_date == BOUGHT + dt.timedelta(days=12)
    verdict = appliance_warranty_verdict(appliance=new, on=dt.date(2027, 3, 12))
    assert verdict.in_warranty  # the old unit's base warranty would have ended 2027-02-28
    contract.refresh_from_db()
    assert contract.appliance == new
    kinds = list(day_10_ticket.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["exchange_proposed", "exchange_approved"]
    approved = day_10_ticket.events.get(kind="exchange_approved")
    assert approved.data["old_serial"] == "OLD-0001"
    assert approved.data["new_serial"] == "NEW-0001"
    # the approved ticket goes on through its normal lifecycle
    ticket_transition(ticket=day_10_ticket, to=Status.CANCELLED, actor=agent, reason="done")


def test_exchange_needs_a_new_serial_not_on_file(day_10_ticket, agent, supervisor):
    an_appliance(day_10_ticket.area, serial="TAKEN-1")
    proposal = propose(day_10_ticket, agent)
    with pytest.raises(DomainError) as exc:
        exchange_approve(proposal=proposal, actor=supervisor, new_serial="")
    assert exc.value.field == "new_serial"
    with pytest.raises(DomainError) as exc:
        exchange_approve(proposal=proposal, actor=supervisor, new_serial="taken-1")
    assert exc.value.field == "new_serial"
    assert ExchangeProposal.objects.get(pk=proposal.pk).state == "proposed"


def test_return_marks_the_unit_returned_and_ends_its_contracts(
    warranty_policies, area, agent, supervisor
):
    appliance = an_appliance(area, serial="RET-1")
    with time_machine.travel(local(BOUGHT + dt.timedelta(days=7)), tick=False):
        ticket = ticket_create(appliance=appliance)
        proposal = propose(ticket, agent, rule="return_7_days")
        exchange_approve(proposal=proposal, actor=supervisor)
    appliance.refresh_from_db()
    assert appliance.state == "returned"
    assert not ExtendedWarrantyContract.objects.filter(appliance=appliance, state="active")


def test_reject_needs_a_reason_code_and_allows_a_new_proposal(day_10_ticket, agent, quality):
    proposal = propose(day_10_ticket, agent)
    with pytest.raises(DomainError) as exc:
        exchange_reject(proposal=proposal, actor=quality, reason="because")
    assert exc.value.field == "reason"
    exchange_reject(proposal=proposal, actor=quality, reason="repairable", note="Board swap")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reject_reason) == ("rejected", "repairable")
    event = day_10_ticket.events.get(kind="exchange_rejected")
    assert event.data["reject_reason"] == "repairable"
    with pytest.raises(DomainError):
        exchange_approve(proposal=proposal, actor=quality, new_serial="X-1")
    assert propose(day_10_ticket, agent).state == "proposed"
