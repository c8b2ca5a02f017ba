"""In headless Chromium at 1366x768: an agent searches the ticket list, sorts it, saves the
filters under a name and opens them again from the list of saved filters."""

import pytest

from tests.conftest import browser_login, wait_until
from tests.console.conftest import make_appliance
from tests.factories import AddressFactory, CustomerFactory, ticket_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _settled(page):
    wait_until(
        page,
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')",
    )


def test_agent_searches_sorts_and_saves_a_filter(
    desk_page, agent_a, area_a, warranty_policies, fee_schedule
):
    made = []
    for name, mobile in (("Wang Fang", "+8613811112222"), ("Zhang Min", "+8613755556666")):
        customer = CustomerFactory(name=name, mobile=mobile, address=None)
        AddressFactory(customer=customer, area=area_a)
        made.append(
            ticket_create(
                appliance=make_appliance(area_a, customer=customer),
                actor=agent_a,
                priority="emergency" if name == "Wang Fang" else "normal",
            )
        )
    page = desk_page
    browser_login(page, "anna")
    page.goto("/tickets/")
    assert "2 tickets match" in page.locator("[data-testid=match-count]").inner_text()

    # Last digits of the mobile, then Enter: the rows swap in place.
    page.fill("#id_q", "5556666")
    page.press("#id_q", "Enter")
    _settled(page)
    assert page.locator(".ticket-table tbody tr").count() == 1
    assert made[1].number in page.locator(".ticket-table").inner_text()
    assert "1 ticket matches" in page.locator("[data-testid=match-count]").inner_text()

    # The start of a name, then sorting by a column keeps the search.
    page.fill("#id_q", "wang")
    page.press("#id_q", "Enter")
    _settled(page)
    assert made[0].number in page.locator(".ticket-table").inner_text()
    page.goto("/tickets/?priority=emergency")
    page.click("a.sort[data-sort=due]")
    page.wait_for_load_state()
    assert "sort=due" in page.url and "priority=emergency" in page.url
    assert page.locator("a.sort.sorted-asc[data-sort=due]").count() == 1
    # Ten columns fit the desktop width: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    # A filter changed in place (HTMX, no reload) is part of what gets saved.
    page.select_option("#id_status", "awaiting_dispatch")
    _settled(page)
    wait_until(page, "location.search.includes('status=awaiting_dispatch')")
    # Save the filters under a name; the list of saved filters offers it again.
    page.fill("#id_save_name", "My emergencies")
    page.click(".save-filter button[type=submit]")
    page.wait_for_load_state()
    assert "Filter “My emergencies” saved." in page.content()
    page.goto("/tickets/")
    assert page.locator("a.saved-filter").inner_text() == "My emergencies"
    page.click("a.saved-filter")
    page.wait_for_load_state()
    assert "priority=emergency" in page.url and "sort=due" in page.url
    assert "status=awaiting_dispatch" in page.url
    assert page.locator(".ticket-table tbody tr").count() == 1
    assert made[0].number in page.locator(".ticket-table").inner_text()
    page.screenshot(path="/tmp/ticket-list-1366.png", full_page=True)

    # A reversed date range is an error on the page, not an empty list.
    page.fill("#id_created_from", "2026-05-03")
    page.fill("#id_created_to", "2026-05-01")
    page.click(".filter-actions button[type=submit]")
    _settled(page)
    assert "before its start" in page.content()
