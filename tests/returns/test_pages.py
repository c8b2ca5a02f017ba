"""Proposal on the staff ticket page, the approvals queue and the decision page over HTTP,
with their role checks."""

import datetime as dt

import pytest
import time_machine

from tests.factories import ticket_create
from tickets.exchanges.models import ExchangeProposal

from .conftest import BOUGHT, an_appliance, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(warranty_policies, area):
    appliance = an_appliance(area, serial="OLD-9")
    with time_machine.travel(local(BOUGHT + dt.timedelta(days=5)), tick=False):
        return ticket_create(appliance=appliance)


def test_the_ticket_page_lists_each_rule_with_its_reason(client, agent, ticket):
    client.force_login(agent)
    body = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Performance fault within 7 days of purchase: return" in body
    assert "Fault reported on day 5 after purchase (2026-03-01), within 7 days." in body
    assert "Repaired 0 times for this fault; the rule needs 2." in body


def test_propose_then_approve_over_http(client, agent, quality, ticket):
    client.force_login(agent)
    bad = client.post(
        f"/tickets/{ticket.pk}/exchange/",
        {"rule": "exchange_after_two_repairs", "fault": "not_cooling", "cause": "defect"},
    )
    assert bad.status_code == 422
    assert "This rule does not apply" in bad.content.decode()
    missing = client.post(f"/tickets/{ticket.pk}/exchange/", {"fault": "not_cooling"})
    assert missing.status_code == 422
    response = client.post(
        f"/tickets/{ticket.pk}/exchange/",
        {"rule": "exchange_15_days", "fault": "not_cooling", "cause": "defect", "note": "x" * 10},
    )
    assert response.status_code == 302
    proposal = ExchangeProposal.objects.get()
    # the agent may not open the queue nor decide
    assert client.get("/returns/approvals/").status_code == 403
    assert client.post(f"/returns/proposals/{proposal.pk}/approve/", {}).status_code == 403

    client.force_login(quality)
    queue = client.get("/returns/approvals/").content.decode()
    assert ticket.number in queue and "within 15 days" in queue
    page = client.get(f"/returns/proposals/{proposal.pk}/").content.decode()
    assert "Approve the exchange" in page
    no_serial = client.post(f"/returns/proposals/{proposal.pk}/approve/", {"new_serial": ""})
    assert no_serial.status_code == 422
    assert "Enter the new unit&#x27;s serial number." in no_serial.content.decode()
    done = client.post(f"/returns/proposals/{proposal.pk}/approve/", {"new_serial": "NEW-9"})
    assert done.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.state, proposal.old_serial, proposal.new_serial) == (
        "approved",
        "OLD-9",
        "NEW-9",
    )
    assert ticket.number not in client.get("/returns/approvals/").content.decode()


def test_reject_needs_a_reason(client, agent, supervisor, ticket):
    from tickets.exchanges.services import exchange_propose

    proposal = exchange_propose(
        ticket=ticket, rule_code="return_7_days", fault="noise", cause="defect", actor=agent
    )
    client.force_login(supervisor)
    assert client.post(f"/returns/proposals/{proposal.pk}/reject/", {}).status_code == 422
    done = client.post(
        f"/returns/proposals/{proposal.pk}/reject/", {"reason": "repairable", "note": "fan"}
    )
    assert done.status_code == 302
    proposal.refresh_from_db()
    assert proposal.reject_reason == "repairable"
    client.force_login(agent)
    body = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "A repair is the better remedy" in body


def test_the_approvals_queue_reads_a_fixed_number_of_queries(
    client, agent, quality, warranty_policies, area, django_assert_max_num_queries
):
    from tickets.exchanges.services import exchange_propose

    for n in range(3):
        appliance = an_appliance(area)
        with time_machine.travel(local(BOUGHT + dt.timedelta(days=3 + n)), tick=False):
            t = ticket_create(appliance=appliance)
        exchange_propose(
            ticket=t, rule_code="return_7_days", fault="noise", cause="defect", actor=agent
        )
    client.force_login(quality)
    with django_assert_max_num_queries(12):
        assert client.get("/returns/approvals/").status_code == 200


def test_the_engineer_proposes_from_the_phone_page_of_their_own_job(
    client, engineer_user, engineer_user2, ticket
):
    from .conftest import on_site

    on_site(ticket, engineer_user)
    client.force_login(engineer_user2)
    assert client.get(f"/m/jobs/{ticket.pk}/exchange/").status_code == 404
    client.force_login(engineer_user)
    page = client.get(f"/m/jobs/{ticket.pk}/exchange/")
    assert page.status_code == 200
    assert "within 7 days" in page.content.decode()
    bad = client.post(f"/m/jobs/{ticket.pk}/exchange/", {"rule": "return_7_days"})
    assert bad.status_code == 422
    done = client.post(
        f"/m/jobs/{ticket.pk}/exchange/",
        {"rule": "return_7_days", "fault": "noise", "cause": "defect"},
    )
    assert done.status_code == 302
    proposal = ExchangeProposal.objects.get()
    assert (proposal.kind, proposal.proposed_by) == ("return", engineer_user)
    assert "Awaiting approval" in client.get(f"/m/jobs/{ticket.pk}/exchange/").content.decode()
