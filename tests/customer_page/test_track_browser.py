"""The customer's page on a phone: one "finding an engineer" step however often dispatch
tried, the operator's hotline, and a reschedule request sent from the page."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import ApplianceFactory, UserFactory, ticket_create
from tickets.lifecycle import Status
from tickets.models import CustomerRequest
from tickets.services import ticket_transition


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_two_declines_read_as_one_finding_an_engineer_step(
    transactional_db, phone_page, settings, warranty_policies
):
    settings.CUSTOMER_REQUEST_RATE = (1000000, 3600)
    settings.OPERATOR_HOTLINE = "400-000-1234"
    ticket = ticket_create(appliance=ApplianceFactory(model_number="BCD-470WDPG"))
    first, second, third = (
        UserFactory(username=name, roles=["engineer"]) for name in ("eng1", "eng2", "eng3")
    )
    for engineer in (first, second):
        ticket_transition(ticket=ticket, to=Status.ASSIGNED, data={"engineer_user_id": engineer.pk})
        ticket_transition(
            ticket=ticket, to=Status.AWAITING_DISPATCH, actor=engineer, reason="declined"
        )
    ticket_transition(ticket=ticket, to=Status.ASSIGNED, data={"engineer_user_id": third.pk})
    ticket_transition(ticket=ticket, to=Status.ACCEPTED, actor=third)
    start = timezone.now() + dt.timedelta(hours=3)
    ticket_transition(
        ticket=ticket,
        to=Status.SCHEDULED,
        actor=third,
        data={
            "window_start": start.isoformat(),
            "window_end": (start + dt.timedelta(hours=2)).isoformat(),
        },
    )

    page = phone_page
    page.goto(f"/t/{ticket.public_token}/")
    history = page.get_by_test_id("public-history")
    assert history.get_by_text("Finding an engineer").count() == 1
    assert history.locator("li").count() == 4  # registered, finding, accepted, booked
    assert "Awaiting dispatch" not in history.inner_text()
    assert page.get_by_test_id("window").is_visible()
    assert page.get_by_test_id("operator").get_by_text("400-000-1234").is_visible()
    # Fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_text("Ask for another visit time").tap()
    when = timezone.localtime(timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#reschedule_preferred_start", when)
    page.fill("#reschedule_note", "Mornings please")
    page.get_by_role("button", name="Send the request").tap()
    expect(page.get_by_text("Our service desk will call you")).to_be_visible()
    assert CustomerRequest.objects.get(ticket=ticket).note == "Mornings please"
