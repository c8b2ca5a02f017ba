"""Per-token limits on reads and creates (429 with Retry-After and the usual error shape),
per-address limits on the customer's public pages; counters in Redis, windows moved by the
clock."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tickets.models import Ticket


@pytest.fixture(autouse=True)
def low_limits(settings):
    settings.API_RATES = {"read": "3/min", "write": "2/min"}
    settings.PUBLIC_PAGE_RATE = (3, 60)


def _window_start():
    now = timezone.now().timestamp()
    return dt.datetime.fromtimestamp((now // 60 + 1) * 60 + 1, tz=dt.UTC)


def test_creates_are_limited_per_token_with_retry_after(partner_client, partner_b_client, payload):
    with time_machine.travel(_window_start(), tick=False) as clock:
        for i in range(2):
            body = {**payload, "serial_number": f"hr-{i}", "mobile": f"1380013800{i}"}
            assert partner_client.post("/api/v1/tickets/", body, format="json").status_code == 201
        third = partner_client.post(
            "/api/v1/tickets/", {**payload, "serial_number": "hr-9"}, format="json"
        )
        assert third.status_code == 429
        assert third.json()["error"]["code"] == "throttled"
        assert 1 <= int(third["Retry-After"]) <= 60
        assert Ticket.objects.count() == 2
        # Another partner's token has its own count; reads are counted apart.
        other = partner_b_client.post(
            "/api/v1/tickets/", {**payload, "serial_number": "hr-b"}, format="json"
        )
        assert other.status_code != 429
        assert partner_client.get("/api/v1/tickets/SR-NONE/").status_code == 404
        clock.shift(dt.timedelta(seconds=61))
        again = partner_client.post(
            "/api/v1/tickets/", {**payload, "serial_number": "hr-10"}, format="json"
        )
        assert again.status_code == 201


def test_reads_are_limited_too(partner_client):
    with time_machine.travel(_window_start(), tick=False):
        codes = [partner_client.get("/api/v1/tickets/SR-NONE/").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


@pytest.mark.django_db
def test_the_tracking_page_is_limited_per_address(client):
    with time_machine.travel(_window_start(), tick=False):
        codes = [
            client.get("/t/nosuchtoken/", REMOTE_ADDR="10.5.5.5").status_code for _ in range(4)
        ]
        assert codes[:3] == [404, 404, 404] and codes[3] == 429
        assert client.get("/t/nosuchtoken/", REMOTE_ADDR="10.5.5.6").status_code == 404


@pytest.mark.django_db
def test_public_pages_are_never_cached_or_indexed(client, settings):

    page = client.get("/t/nosuchtoken/")
    assert page["Cache-Control"] == "no-store"
    assert "noindex" in page["X-Robots-Tag"]
    fixed = client.get("/rate/")
    assert fixed["Cache-Control"] == "no-store" and "noindex" in fixed["X-Robots-Tag"]
    # Staff pages are left to their own headers.
    assert "X-Robots-Tag" not in client.get("/accounts/login/")
