"""The engineer's phone at 360 px: a part for a job, the job waits, the part is received,
the job is back with the engineer to book the visit; the customer's link follows each
step. (Booking the return visit is dispatch's: it refuses while the first visit's
appointment is still booked; see the report.)"""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch import services as dispatch
from spareparts.models import Location, LocationKind, Part, Transfer
from spareparts.services import stock_receive, transfer_dispatch
from tests.conftest import browser_login
from tests.dispatch.conftest import make_ticket, qd_area  # noqa: F401 - fixtures
from tests.dispatch.factories import EngineerFactory, km_north
from tickets.lifecycle import Status
from tickets.models import OutboundMessage
from tickets.onsite.services import ticket_check_in


def book(page, day, start, end):  # the dispatch app's booking form
    page.fill("#id_day", day.isoformat())
    page.fill("#id_start", start)
    page.fill("#id_end", end)
    page.click("button:has-text('Book the visit')")
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_part_for_a_job_from_request_to_the_booked_revisit(phone_page, make_ticket):  # noqa: F811
    engineer = EngineerFactory(user__username="bob", user__first_name="Bob", phone="+8613900000001")
    Location.objects.create(
        kind=LocationKind.VAN,
        code="VAN-bob",
        name="Bob's van",
        lat=36.07,
        lng=120.38,
        engineer=engineer,
    )
    regional = Location.objects.create(
        kind=LocationKind.REGIONAL,
        code="RW",
        name="Qingdao regional",
        lat=km_north(36.07, 20),
        lng=120.38,
    )
    part = Part.objects.get(sku="HR-FR-TH01")
    stock_receive(location=regional, part=part, quantity=2, supplier="Haier", batch="B9")
    ticket = make_ticket()
    dispatch.ticket_dispatch_auto(ticket_id=ticket.pk)
    page = phone_page
    browser_login(page, "bob")
    page.goto(f"/m/jobs/{ticket.pk}/")
    page.click("text=Accept the job")
    page.wait_for_load_state()
    book(page, timezone.localdate() + dt.timedelta(days=1), "09:00", "11:00")
    assert "Visit booked" in page.content()
    ticket_check_in(ticket=ticket, engineer_user=engineer.user, lat=36.07, lng=120.38)

    # On site: the thermostat is not in the van. Request it from the phone.
    page.goto(f"/m/jobs/{ticket.pk}/parts/request/")
    page.fill("#id_sku", "HR-FR-TH01")
    page.fill("#id_quantity", "1")
    page.click("button:has-text('Request')")
    page.wait_for_load_state()
    page.screenshot(path="/tmp/parts_request.png", full_page=True)
    result = page.locator(".messages").inner_text()
    assert "From Qingdao regional (Nearest regional warehouse with stock, 20.0 km away)" in result
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_FOR_PARTS
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    customer = page.context.new_page()
    customer.goto(f"/t/{ticket.public_token}/")
    assert "Waiting for a spare part" in customer.content()

    # The warehouse sends it; the van page shows it on its way, the engineer confirms it.
    transfer = Transfer.objects.get()
    transfer_dispatch(transfer=transfer, actor=None)
    page.goto("/m/van/")
    incoming = page.locator("[data-testid=incoming]").inner_text()
    assert "HR-FR-TH01 ×1 from Qingdao regional" in incoming
    button = page.locator("button:has-text('Confirm receipt')")
    box = button.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 240
    button.click()
    page.wait_for_load_state()
    page.screenshot(path="/tmp/parts_van.png", full_page=True)
    assert "received into your van" in page.content()
    assert "1 on hand, 1 kept for jobs" in page.locator("[data-testid=van-stock]").inner_text()
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED
    customer.reload()
    assert "The engineer will call you to book the visit" in customer.content()

    outbox = OutboundMessage.objects.filter(purpose="parts_arrived", ticket=ticket).get()
    assert outbox.to == engineer.phone and ticket.number in outbox.body

    # The job is back on the engineer's list, ready to book the return visit.
    page.goto(f"/m/jobs/{ticket.pk}/")
    assert page.locator("button:has-text('Book the visit')").count() == 1
    page.screenshot(path="/tmp/parts_rebook.png", full_page=True)
