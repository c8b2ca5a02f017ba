"""In headless Chromium at 1366x768: an agent proposes an exchange on the ticket page, a
supervisor approves it from the approvals queue with the new unit's serial."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import browser_login
from tests.factories import ticket_create
from tickets.exchanges.models import ExchangeProposal
from tickets.models import Appliance

from .conftest import an_appliance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/exchanges"


def test_agent_proposes_and_supervisor_approves_an_exchange(
    browser, live_server, warranty_policies, area, agent, supervisor
):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1366, "height": 768}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    appliance = an_appliance(
        area, bought=timezone.localdate() - dt.timedelta(days=12), serial="GR-OLD-1"
    )
    ticket = ticket_create(appliance=appliance)

    browser_login(page, "alice")
    page.goto(f"/tickets/{ticket.pk}/")
    panel = page.locator("#exchange")
    panel.get_by_text("Propose a return or exchange").click()
    rule = panel.locator("#fs-rule")
    expect(rule).to_contain_text("Fault reported on day 12 after purchase")
    rule.get_by_label("Performance fault within 15 days of purchase: exchange").check()
    panel.get_by_label("Note for the approver").fill("Cooling fails again after reset")
    page.screenshot(path=f"{SHOTS}-propose.png", full_page=True)
    panel.get_by_role("button", name="Propose for approval").click()
    expect(page.get_by_test_id("exchange-proposal")).to_contain_text("Awaiting approval")
    proposal = ExchangeProposal.objects.get(ticket=ticket)

    page.context.clear_cookies()
    browser_login(page, "sam")
    page.goto("/returns/approvals/")
    row = page.locator(f"tr[data-proposal='{proposal.pk}']")
    expect(row).to_contain_text(ticket.number)
    expect(row).to_contain_text("within 15 days")
    page.screenshot(path=f"{SHOTS}-queue.png", full_page=True)
    row.get_by_role("link", name="Decide").click()
    page.get_by_label("New unit's serial number").fill("gr-new-7")
    page.get_by_role("button", name="Approve the exchange").click()
    expect(page.get_by_test_id("proposal-state")).to_have_text("Approved")
    expect(page.get_by_test_id("new-serial")).to_have_text("GR-NEW-7")
    expect(page.get_by_test_id("appliance-state")).to_have_text("Exchanged for a new unit")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.screenshot(path=f"{SHOTS}-approved.png", full_page=True)
    new = Appliance.objects.get(serial_number="GR-NEW-7")
    assert new.customer_id == appliance.customer_id
    assert new.purchase_date == timezone.localdate()
    context.close()
