"""The engineer's visit in headless Chromium at a phone viewport, and the pages' speed on a
slow 3G profile."""

import re

import pytest

from tests.conftest import browser_login, wait_until
from tickets.lifecycle import Status
from tickets.models import ServiceReport, TicketPhoto

from .conftest import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _data(transactional_db):
    pass


# WebPageTest's "3G Slow" profile: 400 ms round trip, 400 kbit/s each way.
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * 1000 / 8,
    "uploadThroughput": 400 * 1000 / 8,
}


def test_engineer_does_the_whole_visit_on_a_phone(phone_page, paid_job, engineer_user):
    page = phone_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 36.0701, "longitude": 120.3802})
    browser_login(page, engineer_user.username)
    page.goto(f"/m/jobs/{paid_job.pk}/onsite/")
    page.screenshot(path="/tmp/onsite-job.png", full_page=True)

    page.click("#checkin-btn")
    page.wait_for_selector("text=Checked in")
    paid_job.refresh_from_db()
    assert paid_job.status == Status.ON_SITE
    assert paid_job.onsite_job.check_in_distance_m < 100

    page.click("a:has-text('Diagnosis')")
    page.select_option("#id_fault", "not_cooling")
    page.select_option("#id_cause", "thermostat")
    page.fill("#id_notes", "Thermostat open circuit")
    page.screenshot(path="/tmp/onsite-diagnosis.png", full_page=True)
    page.click("button:has-text('Save diagnosis')")
    page.wait_for_selector("text=Diagnosis saved")

    page.click("a:has-text('Charges')")
    assert page.locator(".charges .total").inner_text() == "170.00"
    page.fill("#id_consent-customer_name", "Li Lei")
    page.check("#id_consent-agreed")
    page.screenshot(path="/tmp/onsite-charges.png", full_page=True)
    page.click("button:has-text('Record consent')")
    page.wait_for_selector("text=consent is recorded")
    page.select_option("#id_pay-payment_method", "cash")
    page.check("#id_pay-paid")
    page.click("button:has-text('Save payment')")
    page.wait_for_selector("text=Receipt RC-")

    page.goto(f"/m/jobs/{paid_job.pk}/onsite/parts/")
    page.fill("#id_sku", "HR-FR-TH01")
    page.fill("#id_serial_or_batch", "th2026-0001")
    page.fill("#id_old_part_serial", "old-555")
    page.click("button:has-text('Record part')")
    page.wait_for_selector("text=Part HR-FR-TH01 recorded")
    page.screenshot(path="/tmp/onsite-parts.png", full_page=True)
    assert "TH2026-0001" in page.locator(".parts").inner_text()

    # The part raised the total past what the customer agreed to: consent again, pay the rest.
    page.goto(f"/m/jobs/{paid_job.pk}/onsite/charges/")
    assert page.locator("[data-testid=reconsent]").is_visible()
    assert page.locator(".charges .total").inner_text() == "238.00"
    page.fill("#id_consent-customer_name", "Li Lei")
    page.check("#id_consent-agreed")
    page.click("button:has-text('Record consent')")
    page.wait_for_selector("text=consent is recorded")
    page.select_option("#id_pay-payment_method", "cash")
    page.check("#id_pay-paid")
    page.click("button:has-text('Save payment')")
    page.wait_for_selector("text=Receipt RC-")

    page.goto(f"/m/jobs/{paid_job.pk}/onsite/photos/")
    page.set_input_files(
        "#id_image", {"name": "fault.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}
    )
    page.click("button:has-text('Upload photo')")
    page.wait_for_selector("text=Photo saved")
    wait_until(page, "document.querySelector('.thumbs img').naturalWidth > 0")
    page.screenshot(path="/tmp/onsite-photos.png", full_page=True)
    assert TicketPhoto.objects.filter(ticket=paid_job).count() == 1

    page.goto(f"/m/jobs/{paid_job.pk}/onsite/test-run/")
    for box in page.locator("input[name=checked]").all():
        box.check()
    page.click("button:has-text('to the signature')")
    page.wait_for_url(re.compile(r"/sign/$"))

    # Completion is refused until the customer signs (checked server-side, too).
    page.locator("#sigpad").scroll_into_view_if_needed()  # below the fold at 360x740
    box = page.locator("#sigpad").bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 20, y + 110)
    page.mouse.down()
    for px, py in ((60, 40), (100, 120), (150, 50), (200, 120), (260, 60)):
        page.mouse.move(x + px, y + py, steps=5)
    page.mouse.up()
    page.screenshot(path="/tmp/onsite-sign.png", full_page=True)
    page.click("button:has-text('Save signature')")
    page.wait_for_selector("text=Signed. Complete the job.")

    page.click("button:has-text('Complete the job')")
    page.wait_for_selector("text=Job completed")
    page.screenshot(path="/tmp/onsite-report.png", full_page=True)
    paid_job.refresh_from_db()
    assert paid_job.status == Status.COMPLETED
    report = ServiceReport.objects.get(ticket=paid_job)
    assert report.content["charges"]["total"] == "238.00"

    # The customer's private link shows the report, and its PDF opens.
    customer = page.context.browser.new_context(
        base_url=page.url.split("/onsite")[0].split("/m/")[0],
        viewport={"width": 360, "height": 740},
    )
    cpage = customer.new_page()
    cpage.goto(f"/t/{paid_job.public_token}/")
    section = cpage.locator("#service-report")
    assert "HR-FR-TH01" in section.inner_text()
    assert "238.00" in section.inner_text()
    cpage.screenshot(path="/tmp/onsite-customer.png", full_page=True)
    href = section.locator("a:has-text('PDF')").get_attribute("href")
    pdf = cpage.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    customer.close()


def test_job_page_is_fast_and_light_on_slow_3g(phone_page, paid_job, engineer_user):
    page = phone_page
    browser_login(page, engineer_user.username)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    for path in (f"/m/jobs/{paid_job.pk}/onsite/", f"/m/jobs/{paid_job.pk}/onsite/parts/"):
        page.goto(path, wait_until="load")
        fcp = page.evaluate(
            "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
        )
        transferred = page.evaluate(
            """() => performance.getEntriesByType('navigation')[0].transferSize +
                performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)"""
        )
        assert fcp is not None and fcp < 2000, (path, fcp)
        assert 0 < transferred < 150 * 1024, (path, transferred)


def test_customer_cannot_pay_now_and_the_desk_collects_it_later(
    phone_page, page, paid_job, engineer_user, dispatcher
):
    from tickets.onsite import services

    from .test_services import check_in, diagnose

    check_in(paid_job, engineer_user)
    diagnose(paid_job, engineer_user)
    services.charges_consent(
        ticket=paid_job, engineer_user=engineer_user, customer_name="Li Lei", agreed=True
    )
    browser_login(phone_page, engineer_user.username)
    phone_page.goto(f"/m/jobs/{paid_job.pk}/onsite/charges/")
    phone_page.fill("#id_owed-agreed_by", "Li Lei")
    phone_page.select_option("#id_owed-collection", "payment_link")
    phone_page.fill("#id_owed-note", "Phone battery flat")
    phone_page.screenshot(path="/tmp/onsite-owed.png", full_page=True)
    phone_page.click("button:has-text('Mark as owed')")
    phone_page.wait_for_selector("text=recorded as owed")
    assert "170.00 CNY owed" in phone_page.locator("[data-testid=owed]").inner_text()

    browser_login(page, dispatcher.username)
    page.goto("/onsite/owed/")
    row = page.locator("[data-testid=owed-row]")
    assert paid_job.number in row.inner_text() and "170.00" in row.inner_text()
    page.screenshot(path="/tmp/onsite-owed-desk.png", full_page=True)
    row.locator("button:has-text('Mark collected')").click()
    page.wait_for_selector("text=collected.")
    assert page.locator("[data-testid=owed-row]").count() == 0
