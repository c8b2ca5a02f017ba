"""In headless Chromium: an agent takes a call from a new customer with an old fridge, through
to the ticket and the customer's acceptance of the estimate; then the customer's link shows it."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import browser_login, wait_until
from tickets.lifecycle import Status
from tickets.models import Ticket

# conftest.py resets the database to its migrated content before and after each of these.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/console-flow"


def _settled(page):
    """Wait until HTMX has finished swapping and settling the last response."""
    wait_until(
        page,
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')",
    )


def _shot(page, name):
    page.screenshot(path=f"{SHOTS}-{name}.png", full_page=True)


def test_agent_registers_a_new_caller_and_an_out_of_warranty_ticket(
    page, browser, live_server, agent_a, area_a, warranty_policies, fee_schedule
):
    browser_login(page, "anna")
    # Agents land on the console, with the cursor in the phone box.
    assert page.url.endswith("/console/")
    assert page.evaluate("document.activeElement.id") == "id_phone"

    page.keyboard.type("137 0000 1234")
    page.keyboard.press("Enter")
    page.get_by_text("No customer with the number").wait_for()
    assert page.input_value("#id_mobile") == "13700001234"
    _shot(page, "1-not-found")

    # A mistyped number: the errors show next to the fields, what was typed stays.
    page.fill("#id_mobile", "1370000123")
    page.fill("#id_name", "Wang Fang")
    page.get_by_role("button", name="Save customer").click()
    expect(page.locator(".field-error").first).to_be_visible()
    assert "Enter a valid mobile phone number." in page.locator("#results").inner_text()
    assert page.input_value("#id_name") == "Wang Fang"
    _shot(page, "1b-errors")
    page.fill("#id_mobile", "13700001234")
    page.fill("#id_address_line", "1 Xianggang Road, flat 502")
    page.select_option("#id_area", str(area_a.pk))
    page.get_by_role("button", name="Save customer").click()
    page.get_by_role("heading", name="New appliance").wait_for()
    assert "phone=13700001234" in page.url

    page.select_option("#id_category", "fridge")
    old = timezone.localdate() - dt.timedelta(days=3 * 365)
    page.fill("#id_purchase_date", old.isoformat())
    page.dispatch_event("#id_purchase_date", "change")
    verdict = page.locator("#appliance-verdict [data-testid=verdict]")
    expect(verdict).to_contain_text("Out of warranty")
    expect(verdict).to_contain_text("Compressor")
    page.fill("#id_brand", "Haier")
    page.fill("#id_model_number", "BCD-470WDPG")
    page.fill("#id_serial_number", "hr2023x99")
    _shot(page, "2-appliance")
    page.get_by_role("button", name="Save appliance").click()

    page.get_by_role("heading", name="New ticket").wait_for()
    _settled(page)  # the fault-class listener is attached once HTMX has processed the form
    estimate = page.locator("#ticket-verdict [data-testid=estimate]")
    assert "¥170.00" in estimate.inner_text()
    page.select_option("#id_fault_class", "complex")
    expect(page.locator("#ticket-verdict")).to_contain_text("¥310.00")
    page.select_option("#id_fault_class", "standard")
    expect(page.locator("#ticket-verdict")).to_contain_text("¥170.00")
    page.fill("#id_fault_description", "Not cooling; compressor clicks every minute")
    page.fill("#id_fault_code", "F3")
    _shot(page, "3-ticket-form")
    page.get_by_role("button", name="Open ticket", exact=True).click()

    page.wait_for_url("**/tickets/*/")
    ticket = Ticket.objects.get(customer__mobile="+8613700001234")
    assert ticket.status == Status.AWAITING_FEE_ACCEPTANCE
    assert page.locator("[data-testid=status]").inner_text() == "Awaiting fee acceptance"
    assert "¥170.00" in page.content()
    _shot(page, "4-detail-before")

    page.fill("#id_note", "Customer agreed to 170 CNY on the phone")
    page.get_by_role("button", name="Customer accepted the estimate").click()
    page.locator("[data-testid=fee-accepted]").wait_for()
    assert page.locator("[data-testid=status]").inner_text() == "Awaiting dispatch"
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert "opened the ticket" in timeline
    assert "recorded the customer's acceptance of the estimate" in timeline
    assert "Customer agreed to 170 CNY on the phone" in timeline
    assert "anna" in timeline
    _shot(page, "5-detail-after")
    tracking = page.locator("a[href*='/t/']").first.get_attribute("href")
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_DISPATCH and ticket.fee_accepted_by == agent_a

    # Back on the console the history shows it, found by the last digits.
    page.goto("/console/")
    page.keyboard.press("/")
    page.keyboard.type("1234")
    page.keyboard.press("Enter")
    page.get_by_role("link", name=ticket.number, exact=True).wait_for()
    _shot(page, "6-console-history")

    # The customer opens the link from the SMS in a browser with no session.
    path = "/t/" + tracking.split("/t/", 1)[1]
    customer = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 360, "height": 740}
    )
    try:
        public = customer.new_page()
        public.goto(path)
        status = public.locator("[data-testid=track-status]").inner_text()
        assert status == "Awaiting dispatch"
        body = public.content()
        assert ticket.number in body and "BCD-470WDPG" in body
        for secret in ("13700001234", "Wang Fang", "Xianggang", "anna", "compressor clicks"):
            assert secret not in body
        public.screenshot(path=f"{SHOTS}-7-customer-link.png", full_page=True)
    finally:
        customer.close()


def test_keyboard_shortcuts_drive_the_console(page, agent_a, area_a, warranty_policies):
    from tests.console.conftest import make_appliance

    appliance = make_appliance(area_a, mobile="+8613812340000")
    browser_login(page, "anna")
    page.goto("/console/?phone=13812340000")  # the softphone's screen pop
    page.get_by_role("heading", name=appliance.customer.name).wait_for()
    page.locator("body").click(position={"x": 5, "y": 300})  # leave the search box
    page.keyboard.press("t")
    page.get_by_role("heading", name="New ticket").wait_for()
    expect(page.locator("#ticket-verdict")).to_contain_text("In warranty")
    _settled(page)
    assert page.evaluate("document.activeElement.id") == "id_fault_description"
    page.keyboard.press("Escape")
    page.get_by_role("heading", name="Ticket history").wait_for()
    _settled(page)
    page.keyboard.press("e")
    page.get_by_role("heading", name="Edit customer").wait_for()
    _settled(page)
    page.keyboard.press("Escape")
    page.get_by_role("heading", name="Ticket history").wait_for()
    _settled(page)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "id_phone"
    page.keyboard.type("13912340000")
    page.keyboard.press("Tab")
    page.keyboard.press("n")  # not typed into a field: Tab moved focus to the Search button
    page.get_by_role("heading", name="New customer").wait_for()
    assert page.input_value("#id_mobile") == "13912340000"
    page.screenshot(path=f"{SHOTS}-8-shortcuts.png", full_page=True)
