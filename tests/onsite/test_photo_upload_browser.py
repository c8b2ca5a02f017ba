"""Photo uploads on a weak signal, in headless Chromium at 360x740 with touch: the phone resizes
before sending, a failed send keeps the form and a retry stores one photo, and a file over the
limit is refused before it is sent."""

import io

import pytest
from PIL import Image

from tests.conftest import browser_login
from tickets.models import TicketPhoto

from .test_services import check_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _big_jpeg(tmp_path, size=(4000, 3000)):
    path = tmp_path / "big.jpg"
    Image.new("RGB", size, (40, 120, 200)).save(path, format="JPEG", quality=90)
    return path


def _stored_size(photo):
    with photo.image.open("rb") as fh:
        return Image.open(io.BytesIO(fh.read())).size


def test_photo_is_resized_in_the_phone_and_a_failed_send_retries_into_one_photo(
    phone_page, paid_job, engineer_user, tmp_path
):
    page = phone_page
    check_in(paid_job, engineer_user)
    browser_login(page, engineer_user.username)
    page.goto(f"/m/jobs/{paid_job.pk}/onsite/photos/")

    sent = []

    def drop_first(route):
        sent.append(len(route.request.post_data_buffer or b""))
        if len(sent) == 1:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(
        "**/onsite/photos/",
        lambda route: drop_first(route) if route.request.method == "POST" else route.continue_(),
    )
    page.set_input_files("#id_image", str(_big_jpeg(tmp_path)))
    page.click("button:has-text('Upload photo')")
    page.wait_for_selector("text=try again")
    # The form is still there, with the photo chosen, and the button usable again.
    assert page.locator("#id_image").evaluate("el => el.files.length") == 1
    assert page.locator("button:has-text('Try again')").is_enabled()
    assert not TicketPhoto.objects.filter(ticket=paid_job).exists()

    page.click("button:has-text('Try again')")
    page.wait_for_selector("text=Photo saved")
    assert len(sent) == 2
    photos = list(TicketPhoto.objects.filter(ticket=paid_job))
    assert len(photos) == 1
    assert max(_stored_size(photos[0])) <= 1600


def test_photo_retry_with_the_same_key_stores_one_photo(
    phone_page, paid_job, engineer_user, tmp_path
):
    """The first send reached the server but its answer was lost: the retry reuses the key."""
    page = phone_page
    check_in(paid_job, engineer_user)
    browser_login(page, engineer_user.username)
    page.goto(f"/m/jobs/{paid_job.pk}/onsite/photos/")
    calls = []

    def lose_answer(route):
        if route.request.method != "POST":
            return route.continue_()
        calls.append(1)
        if len(calls) == 1:
            route.fetch()  # the server stores the photo
            return route.abort("connectionreset")  # the phone never hears back
        return route.continue_()

    page.route("**/onsite/photos/", lose_answer)
    page.set_input_files("#id_image", str(_big_jpeg(tmp_path, (2000, 1000))))
    page.click("button:has-text('Upload photo')")
    page.wait_for_selector("text=try again")
    page.click("button:has-text('Try again')")
    page.wait_for_selector("text=Photo saved")
    assert TicketPhoto.objects.filter(ticket=paid_job).count() == 1


def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    phone_page, paid_job, engineer_user, tmp_path
):
    page = phone_page
    check_in(paid_job, engineer_user)
    browser_login(page, engineer_user.username)
    page.goto(f"/m/jobs/{paid_job.pk}/onsite/photos/")
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    big = tmp_path / "huge.jpg"
    big.write_bytes(b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10))
    page.set_input_files("#id_image", str(big))
    assert page.locator(".upload-limit-error").inner_text() == "The file is too big: at most 10 MB."
    page.click("button:has-text('Upload photo')")
    page.wait_for_timeout(500)
    assert posts == []
    assert not TicketPhoto.objects.filter(ticket=paid_job).exists()
