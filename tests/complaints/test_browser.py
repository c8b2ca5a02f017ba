"""In headless Chromium: QA opens the complaint queue, investigates a complaint and
responds to the customer."""

import pytest

from callbacks.models import Complaint
from tests.conftest import browser_login
from tests.factories import ServiceAreaFactory, UserFactory, WarrantyPolicyFactory
from tickets.sla.models import SlaClock

from .conftest import ticket_in
from .test_complaint_steps import open_one


def _open(move):
    """Unfold a step's form (the only next step comes unfolded)."""
    if move.get_attribute("open") is None:
        move.locator("summary").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_qa_opens_the_queue_investigates_and_responds(transactional_db, page):
    UserFactory(username="quinn", roles=["quality"])
    agent = UserFactory(username="anna", roles=["agent"])
    WarrantyPolicyFactory(category="fridge", whole_unit_months=12)
    ticket = ticket_in(ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao"))
    complaint = open_one(ticket, agent, description="Still warm inside after the repair.")

    browser_login(page, "quinn")
    page.goto("/complaints/")
    queue = page.locator('[data-testid="complaint-queue"]')
    queue.get_by_text(complaint.reference).click()
    page.locator('[data-testid="complaint-description"]').get_by_text("Still warm").wait_for()
    assert page.locator('[data-testid="complaint-state"]').inner_text() == "Acknowledged"

    move = page.locator('[data-testid="move-assessed"]')
    _open(move)
    move.get_by_label("Severity").select_option("high")
    move.get_by_role("button", name="Assess").click()
    page.locator('[data-testid="complaint-state"]').get_by_text("Assessed").wait_for()

    move = page.locator('[data-testid="move-investigating"]')
    _open(move)
    move.get_by_label("Quality-assurance owner").select_option(label="quinn")
    move.get_by_role("button", name="Investigate").click()
    page.locator('[data-testid="complaint-state"]').get_by_text("Under investigation").wait_for()

    move = page.locator('[data-testid="move-responded"]')
    _open(move)
    move.get_by_label("Investigation findings").fill("The gas was not refilled.")
    move.get_by_label("Response to the customer").fill("A senior engineer comes tomorrow, free.")
    move.get_by_label("Remedy offered").select_option("revisit")
    move.get_by_role("button", name="Respond to the customer").click()
    page.locator('[data-testid="complaint-state"]').get_by_text("Responded to").wait_for()
    assert (
        "A senior engineer comes tomorrow"
        in page.locator('[data-testid="complaint-response"]').inner_text()
    )
    page.screenshot(path="/tmp/complaint-responded.png", full_page=True)

    complaint.refresh_from_db()
    assert complaint.state == "responded" and complaint.owner.username == "quinn"
    response_clock = SlaClock.objects.get(
        ticket=ticket, kind="complaint_response", ref=str(complaint.pk)
    )
    assert response_clock.state == "met"
    assert list(complaint.steps.values_list("step", flat=True))[-3:] == [
        "assessed",
        "investigating",
        "responded",
    ]
    assert Complaint.objects.count() == 1
