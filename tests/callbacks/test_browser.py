"""In headless Chromium: an agent works a due follow-up call with a 3-star score and the
supervisor sees the deep callback; a customer rates a job from the tracking page on a
360 px phone."""

import pytest
from playwright.sync_api import expect

from callbacks.models import Callback, Survey
from tests.conftest import browser_login

from .conftest import completed_job, follow_up_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/callbacks"


def test_agent_logs_a_3_star_callback_and_the_supervisor_sees_the_deep_callback(
    page, live_server, warranty_policies, area, engineer_user, agent, supervisor
):
    ticket = completed_job(engineer_user)
    browser_login(page, "alice")
    page.goto("/callbacks/")
    row = page.locator(f"tr[data-callback='{follow_up_of(ticket).pk}']")
    expect(row).to_contain_text(ticket.number)
    row.get_by_role("link").click()
    page.get_by_role("heading", name="Log the call").wait_for()
    page.locator("#fs-outcome").get_by_label("Reached").check()
    page.locator("#fs-speed").get_by_label("5★").check()
    page.locator("#fs-attitude").get_by_label("3★").check()
    page.locator("#fs-quality").get_by_label("4★").check()
    page.locator("#fs-fixed").get_by_label("Yes, it is fixed").check()
    page.fill("#id_comment", "Engineer was in a hurry")
    page.screenshot(path=f"{SHOTS}-agent-call.png", full_page=True)
    page.get_by_role("button", name="Save the call").click()
    expect(page.get_by_test_id("callback-state")).to_have_text("Done")
    expect(page.get_by_test_id("survey")).to_contain_text("Attitude 3★")
    deep = Callback.objects.get(ticket=ticket, kind="deep")

    page.context.clear_cookies()
    browser_login(page, "sam")
    page.goto("/callbacks/deep/")
    deep_row = page.locator(f"tr[data-callback='{deep.pk}']")
    expect(deep_row).to_contain_text(ticket.number)
    page.screenshot(path=f"{SHOTS}-deep-queue.png", full_page=True)
    deep_row.get_by_role("link").click()
    page.locator("#fs-outcome").get_by_label("Reached").check()
    page.locator("#fs-result").get_by_label("Apologised").check()
    page.fill("#id_note", "Apologised for the rush; customer satisfied.")
    page.get_by_role("button", name="Save the call").click()
    expect(page.get_by_test_id("callback-result")).to_have_text("Apologised")
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_customer_rates_the_job_from_the_tracking_page_on_a_phone(
    phone_page, live_server, warranty_policies, area, engineer_user
):
    page = phone_page
    ticket = completed_job(engineer_user)
    page.goto(f"/t/{ticket.public_token}/")
    section = page.locator("#rating")
    expect(section.get_by_role("heading", name="Rate our service")).to_be_visible()
    for field, stars in (("speed", "5★"), ("attitude", "4★"), ("quality", "5★")):
        section.locator(f"#fs-{field}").get_by_label(stars).check()
    section.locator("#fs-fixed").get_by_label("Yes, it is fixed").check()
    section.get_by_label("Comment").fill("Fast and friendly")
    # nothing overflows the 360 px screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=f"{SHOTS}-phone-rating.png", full_page=True)
    section.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_test_id("rating-done")).to_be_visible()
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.channel, survey.attitude, survey.comment) == (
        "tracking_page",
        4,
        "Fast and friendly",
    )
    page.goto(f"/t/{ticket.public_token}/")
    expect(page.get_by_test_id("rating-done")).to_be_visible()
    assert page.locator("#rating form").count() == 0
