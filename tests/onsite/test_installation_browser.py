"""An engineer installs an air conditioner on a phone (360x740, touch) in headless Chromium:
two serials scanned, 3 m of extra pipe charged with the customer's consent, the
commissioning checklist, and the customer signs acceptance (issue 16 item 2)."""

import re
from decimal import Decimal

import pytest

from tests.conftest import browser_login
from tickets.lifecycle import Status
from tickets.models import Appliance, ChargeLine, ServiceReport

from .installation_fixtures import INDOOR, OUTDOOR, delivered_installation, materials_schedule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def job(transactional_db, warranty_policies, fee_schedule, partner, engineer_user):
    materials_schedule()
    return delivered_installation(partner, engineer_user)


def touch_draw(page, selector, points):
    """Draw with a finger: real touch events through the DevTools protocol (the pad listens
    to pointer events, which a touch produces)."""
    box = page.locator(selector).bounding_box()
    cdp = page.context.new_cdp_session(page)

    def at(px, py):
        return [{"x": box["x"] + px, "y": box["y"] + py, "id": 7}]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": at(*points[0])})
    for px, py in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": at(px, py)})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_engineer_installs_an_air_conditioner_on_a_phone(phone_page, job, engineer_user):
    page = phone_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 36.0701, "longitude": 120.3802})
    browser_login(page, engineer_user.username)
    page.goto(f"/m/jobs/{job.pk}/onsite/")
    assert page.viewport_size == {"width": 360, "height": 740}
    page.tap("#checkin-btn")
    page.wait_for_selector("text=Checked in")
    page.screenshot(path="/tmp/install-job.png", full_page=True)

    # Both units' serials: the indoor unit, then the outdoor unit (the model is suggested).
    page.tap("a:has-text('Scan the units')")
    assert "0 of 2 scanned" in page.locator("[data-testid=units-count]").inner_text()
    page.fill("#id_serial_number", "gr-in-20261207")
    assert page.locator("#id_model_number").input_value() == INDOOR
    page.tap("button:has-text('Register the unit')")
    page.wait_for_selector("text=Unit GR-IN-20261207 registered.")
    assert page.locator("#id_model_number").input_value() == OUTDOOR
    page.fill("#id_serial_number", "GR-OUT-20261207")
    page.tap("button:has-text('Register the unit')")
    page.wait_for_selector("text=Unit GR-OUT-20261207 registered.")
    assert "2 of 2 scanned" in page.locator("[data-testid=units-count]").inner_text()
    assert page.locator("#unit-form").count() == 0  # every delivered unit is registered
    page.screenshot(path="/tmp/install-units.png", full_page=True)
    units = Appliance.objects.filter(installation_ticket=job).order_by("id")
    assert [u.serial_number for u in units] == ["GR-IN-20261207", "GR-OUT-20261207"]
    assert {u.customer_id for u in units} == {job.customer_id}

    # 6 m of pipe used: 3 m free, 3 m charged at 60 CNY.
    page.goto(f"/m/jobs/{job.pk}/onsite/materials/")
    pipe = page.locator("[data-testid=material-copper_pipe]")
    pipe.locator("input[name=quantity]").fill("6")
    pipe.locator("button:has-text('Save')").tap()
    page.wait_for_selector("text=Materials saved")
    assert "3 m × 60.00" in page.locator("[data-testid=charged]").inner_text()
    page.screenshot(path="/tmp/install-materials.png", full_page=True)

    page.tap("a:has-text('Charges and consent')")
    assert page.locator(".charges .total").inner_text() == "180.00"
    page.fill("#id_consent-customer_name", "Zhao Lei")
    page.locator("#id_consent-agreed").tap()
    page.tap("button:has-text('Record consent')")
    page.wait_for_selector("text=consent is recorded")
    page.select_option("#id_pay-payment_method", "cash")
    page.locator("#id_pay-paid").tap()
    page.tap("button:has-text('Save payment')")
    page.wait_for_selector("text=Receipt RC-")
    page.screenshot(path="/tmp/install-charges.png", full_page=True)

    page.goto(f"/m/jobs/{job.pk}/onsite/checklist/")
    for radio in page.locator("input[type=radio][value=ok]").all():
        radio.scroll_into_view_if_needed()
        radio.tap()
    page.screenshot(path="/tmp/install-checklist.png", full_page=True)
    page.tap("button:has-text('Save the checklist')")
    page.wait_for_selector("text=Checklist saved.")
    assert "Commissioning checklist ✓" in page.locator(".steps").inner_text()

    page.goto(f"/m/jobs/{job.pk}/onsite/test-run/")
    for box in page.locator("input[name=checked]").all():
        box.tap()
    page.tap("button:has-text('to the signature')")
    page.wait_for_url(re.compile(r"/sign/$"))
    assert "installation of 2 units" in page.locator("[data-testid=acceptance]").inner_text()

    page.locator("#sigpad").scroll_into_view_if_needed()  # below the fold at 360x740
    touch_draw(page, "#sigpad", [(20, 110), (60, 40), (100, 120), (150, 50), (200, 120), (260, 60)])
    page.screenshot(path="/tmp/install-sign.png", full_page=True)
    # Headless Chromium takes the first tap after a protocol-driven stroke as the end of
    # that gesture (no click): the next touch is on the heading, then the button.
    page.tap("h1")
    page.tap("button:has-text('Save signature')")
    page.wait_for_selector("text=Signed. Complete the job.")

    page.tap("button:has-text('Complete the job')")
    page.wait_for_selector("text=Job completed")
    page.screenshot(path="/tmp/install-report.png", full_page=True)
    job.refresh_from_db()
    assert job.status == Status.COMPLETED
    line = ChargeLine.objects.get(ticket=job, kind="material")
    assert (line.quantity, line.amount) == (3, Decimal("60.00"))
    report = ServiceReport.objects.get(ticket=job)
    assert report.content["charges"]["total"] == "180.00"
    assert len(report.content["installed_units"]) == 2
    assert "GR-OUT-20261207" in page.locator("[data-testid=report-units]").inner_text()
