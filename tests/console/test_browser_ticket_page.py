"""In headless Chromium at 1366x768: the agent answers "where is my engineer?" from the top of
the ticket page and works the call with the keyboard (a note, a priority change, the call
logged); on the console, after a screen pop, the shortcuts work from the phone box."""

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, wait_until
from tests.console.desk_jobs import engineer_for, scheduled_job
from tickets.models import CustomerContact, TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/ticket-page"


@pytest.fixture
def desk_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1366, "height": 768}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _settled(page):
    wait_until(
        page,
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')",
    )


def test_agent_sees_the_engineer_and_works_the_call_with_the_keyboard(
    desk_page, agent_a, area_a, ticket_a
):
    page = desk_page
    job = scheduled_job(ticket_a, engineer_for(area_a))
    browser_login(page, "anna")
    page.goto(f"/tickets/{job.pk}/")

    # The header is in the first screen: who, where, when, the clocks, the status in words.
    where = page.get_by_test_id("where")
    expect(where).to_be_visible()
    box = where.bounding_box()
    assert box["y"] + box["height"] < 768, "the header must fit above the fold"
    expect(page.get_by_test_id("where-engineer")).to_contain_text("Minglang Wu")
    expect(page.get_by_test_id("where-engineer")).to_contain_text("Shinan service point")
    expect(page.get_by_test_id("call-engineer")).to_have_attribute("href", "tel:13900001111")
    expect(page.get_by_test_id("where-visit")).to_contain_text("Booked")
    expect(page.get_by_test_id("where-status")).to_contain_text("Your visit is booked.")
    arrival = page.locator('[data-clocks] [data-kind="arrival"]')
    expect(arrival).to_have_class("clock tone-ok")
    expect(arrival.locator(".clock-left")).to_contain_text("left")
    page.screenshot(path=f"{SHOTS}-1-header.png")

    # n: the note form opens with the cursor in it.
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.id") == "note_text"
    page.keyboard.type("Customer's neighbour keeps the key")
    page.get_by_role("button", name="Save the note").click()
    expect(page.locator(".messages")).to_contain_text("Note added.")
    expect(page.get_by_test_id("timeline")).to_contain_text("Customer's neighbour keeps the key")

    # p: the priority, with a reason; the clocks are recomputed.
    page.keyboard.press("p")
    assert page.evaluate("document.activeElement.id") == "priority_priority"
    page.select_option("#priority_priority", "emergency")
    page.fill("#priority_reason", "")
    page.get_by_role("button", name="Change priority").last.click()
    # Without a reason: the error in the form, the form still open.
    expect(page.get_by_test_id("action-priority")).to_have_attribute("open", "")
    expect(page.get_by_test_id("action-priority").locator(".field-error")).to_be_visible()
    page.fill("#priority_reason", "Water dripping onto the socket")
    page.get_by_role("button", name="Change priority").last.click()
    expect(page.locator(".messages")).to_contain_text("Priority changed")
    expect(page.get_by_test_id("timeline")).to_contain_text("recomputed the service clocks")
    expect(page.locator("h1")).to_contain_text("Emergency")

    # c: the call, logged.
    page.keyboard.press("c")
    page.select_option("#call_topic", "where_is_engineer")
    page.fill("#call_note", "Asked when the engineer comes; told 9-11 tomorrow")
    page.get_by_role("button", name="Save the call").click()
    expect(page.locator(".messages")).to_contain_text("Call logged.")
    expect(page.get_by_test_id("timeline")).to_contain_text(
        "a call from the customer: Where is my engineer?"
    )
    page.screenshot(path=f"{SHOTS}-2-after-actions.png", full_page=True)

    assert TicketEvent.objects.filter(ticket=job, kind="note").count() == 1
    assert CustomerContact.objects.get(ticket=job).topic == "where_is_engineer"
    job.refresh_from_db()
    assert job.priority == "emergency"


def test_console_shortcuts_work_from_the_phone_box_after_a_screen_pop(desk_page, agent_a, ticket_a):
    page = desk_page
    browser_login(page, "anna")
    page.goto("/console/?phone=13812345678")  # the softphone's screen pop
    page.get_by_role("heading", name=ticket_a.customer.name).wait_for()
    assert page.evaluate("document.activeElement.id") == "id_phone"
    # A letter in the phone box is a shortcut, not a character of the number.
    page.keyboard.press("c")
    page.get_by_test_id("contact-form").wait_for()
    _settled(page)
    assert page.input_value("#id_phone") == "13812345678"
    page.select_option("#call_topic", "enquiry")
    page.fill("#call_note", "Asked about a maintenance plan")
    page.get_by_role("button", name="Save the call").click()
    expect(page.get_by_test_id("contact-history")).to_contain_text("Asked about a maintenance plan")
    _settled(page)
    page.focus("#id_phone")
    page.keyboard.press("t")
    page.get_by_role("heading", name="New ticket").wait_for()
    assert page.input_value("#id_phone") == "13812345678"
    # Digits still type into the box.
    page.focus("#id_phone")
    page.keyboard.press("End")
    page.keyboard.type("9")
    assert page.input_value("#id_phone") == "138123456789"
    page.screenshot(path=f"{SHOTS}-3-console.png")
