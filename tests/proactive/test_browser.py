"""In headless Chromium at 1366x768: an agent works a campaign call, books a maintenance
visit in the window the customer agreed, and opens the ticket it made."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from proactive.models import CampaignCall
from proactive.services.campaigns import campaign_build, campaign_create
from tests.conftest import browser_login

from .conftest import owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/proactive"


def test_agent_books_a_maintenance_visit_from_a_campaign_call(
    page, live_server, warranty_policies, agent, supervisor
):
    appliance = owner(bought_days_ago=3 * 365, model_number="KFR-35GW")
    campaign = campaign_create(
        name="空调夏季清洗",
        category="ac",
        older_than_years=2,
        script="Offer the paid cleaning before the summer heat.",
        actor=supervisor,
    )
    campaign_build(campaign=campaign, actor=supervisor)
    call = CampaignCall.objects.get(campaign=campaign)
    page.set_viewport_size({"width": 1366, "height": 768})
    browser_login(page, "alice")
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="空调夏季清洗").click()
    row = page.locator(f"tr[data-call='{call.pk}']")
    expect(row).to_contain_text("KFR-35GW")
    row.get_by_role("link").click()
    page.get_by_role("heading", name="Log the call").wait_for()
    expect(page.locator(".script")).to_contain_text("paid cleaning")
    page.locator("#fs-outcome").get_by_label("Booked a maintenance visit").check()
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    page.fill("#id_window_start", f"{day}T09:00")
    page.fill("#id_window_end", f"{day}T12:00")
    page.fill("#id_note", "Customer asked for a morning visit")
    page.screenshot(path=f"{SHOTS}-call.png", full_page=True)
    page.get_by_role("button", name="Save the call").click()
    expect(page.get_by_test_id("call-state")).to_have_text("Done")
    expect(page.get_by_test_id("call-outcome")).to_have_text("Booked a maintenance visit")
    call.refresh_from_db()
    assert call.ticket.service_type_id == "maintenance"
    assert call.ticket.appliance_id == appliance.pk
    page.get_by_test_id("call-ticket").click()
    expect(page.get_by_test_id("status")).to_be_visible()
    page.screenshot(path=f"{SHOTS}-ticket.png", full_page=True)
    # Nothing of the page is wider than the desk's screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366
