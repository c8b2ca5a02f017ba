"""The engineer's phone, in headless Chromium at 360x740."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch import services
from tests.conftest import browser_login
from tests.dispatch.factories import EngineerFactory
from tickets.models import TicketEvent


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_engineer_accepts_calls_and_books_on_the_phone(phone_page, make_ticket, agent):
    engineer = EngineerFactory(user__username="bob", user__first_name="Bob")
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    page = phone_page

    browser_login(page, "bob")
    page.goto("/m/jobs/")
    page.screenshot(path="/tmp/m_jobs.png", full_page=True)
    page.click(f"[data-ticket='{ticket.number}']")
    page.screenshot(path="/tmp/m_job_new.png", full_page=True)
    page.click("text=Accept the job")
    page.wait_for_load_state()
    assert "Job accepted" in page.content()

    page.check("input[value=reached]")
    page.click("text=Save the call")
    page.wait_for_load_state()
    assert "Call recorded" in page.content()

    day = timezone.localdate() + dt.timedelta(days=1)
    page.fill("#id_day", day.isoformat())
    page.fill("#id_start", "09:00")
    page.fill("#id_end", "11:00")
    page.screenshot(path="/tmp/m_job_book.png", full_page=True)
    page.click("button:has-text('Book the visit')")
    page.wait_for_load_state()
    assert "Visit booked" in page.content()
    page.screenshot(path="/tmp/m_job_booked.png", full_page=True)
    # Big enough to tap.
    box = page.locator('button:has-text("I\'m on my way")').bounding_box()
    assert box["height"] >= 48 and box["width"] >= 300

    ticket.refresh_from_db()
    assert ticket.status == "scheduled"
    call = TicketEvent.objects.get(ticket=ticket, kind="customer_call")
    assert call.data["outcome"] == "reached" and call.data["engineer_user_id"] == engineer.user_id
    booked = TicketEvent.objects.get(ticket=ticket, to_status="scheduled")
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time(9), tzinfo=tz).astimezone(dt.UTC)
    assert booked.data["window_start"] == start.isoformat()
    assert booked.data["window_end"] == (start + dt.timedelta(hours=2)).isoformat()

    # The agent's timeline shows both events; the customer's link shows the window.
    page.context.clear_cookies()
    browser_login(page, agent.username)
    page.goto(f"/tickets/{ticket.pk}/")
    assert page.locator(".ev-customer_call").count() == 1
    assert "09:00" in page.locator(".timeline").inner_text()
    page.screenshot(path="/tmp/agent_timeline.png", full_page=True)
    page.context.clear_cookies()
    page.goto(f"/t/{ticket.public_token}/")
    window = page.locator("[data-testid=window]").inner_text()
    assert day.strftime("%a %-d %b") in window and "09:00" in window and "11:00" in window
