"""The dispatcher's screens at desktop width: the queue's one-line rows (priority, due time,
area, skill), the day view of booked windows beside the ticket's candidates, and the
manual-assignment list filtered as the dispatcher types."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.models import Appointment, Assignment
from tests.conftest import browser_login
from tests.dispatch.factories import EngineerFactory, ServicePointFactory, km_north

LAT = 36.07


def _window(day, start_hour, end_hour):
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(day, dt.time(start_hour), tzinfo=tz),
        dt.datetime.combine(day, dt.time(end_hour), tzinfo=tz),
    )


def _booked(engineer, ticket, day, start_hour, end_hour):
    assignment = Assignment.objects.create(ticket=ticket, engineer=engineer, state="accepted")
    start, end = _window(day, start_hour, end_hour)
    return Appointment.objects.create(
        assignment=assignment, ticket=ticket, engineer=engineer, window_start=start, window_end=end
    )


@pytest.fixture
def board(make_ticket, qd_area):
    """Two service points covering the area; Wu (point A) has a visit 09:00-11:00 tomorrow;
    a waiting ticket whose automatic attempt ranked Wu and Li."""
    point_a = ServicePointFactory(name="Shinan point", areas=[qd_area])
    point_b = ServicePointFactory(name="Laoshan point", areas=[qd_area])
    wu = EngineerFactory(
        user__first_name="Wu", user__username="eng07", service_point=point_a, max_concurrent=1
    )
    li = EngineerFactory(
        user__first_name="Li",
        user__username="eng12",
        service_point=point_b,
        home_lat=km_north(LAT, 2),
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    visit = _booked(wu, make_ticket(), tomorrow, 9, 11)
    ticket = make_ticket(priority="emergency")
    services.ticket_dispatch_auto(ticket_id=ticket.pk)  # Wu is at capacity: Li takes it
    return {"ticket": ticket, "wu": wu, "li": li, "day": tomorrow, "visit": visit}


@pytest.mark.django_db
def test_queue_rows_carry_priority_due_time_area_and_skill(client, dispatcher, make_ticket):
    EngineerFactory(skills=["tv"])  # nobody can take a fridge: the tickets wait
    ticket = make_ticket(priority="emergency")
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    client.force_login(dispatcher)
    html = client.get("/dispatch/").content.decode()
    row = html[html.index(f'data-ticket="{ticket.number}"') :].split("</tr>")[0]
    assert "Emergency" in row and "Shinan" in row
    assert "Refrigerator · Intermediate" in row  # the skill: category and certification
    clock = ticket.sla_clocks.filter(state="running").order_by("due_at").first()
    assert timezone.localtime(clock.due_at).strftime("%m-%d %H:%M") in row


@pytest.mark.django_db
def test_day_view_shows_booked_windows_per_service_point_with_candidates(client, dispatcher, board):
    client.force_login(dispatcher)
    url = f"/dispatch/tickets/{board['ticket'].pk}/"
    html = client.get(url, {"day": board["day"].isoformat()}).content.decode()
    assert "Shinan point" in html and "Laoshan point" in html
    wu_row = html[html.index('data-engineer="eng07"') :].split("</tr>")[0]
    assert f"09:00–11:00 {board['visit'].ticket.number}" in wu_row
    # 09:00 is 2 of the 14 hours drawn (07:00-21:00); the window is 2 hours wide.
    assert 'x="14.29%"' in wu_row and 'width="14.29%"' in wu_row
    assert "not eligible" in wu_row  # at capacity, with the reason in its title
    li_row = html[html.index('data-engineer="eng12"') :].split("</tr>")[0]
    assert "#1" in li_row and "<title>" not in li_row  # ranked first, nothing booked that day
    # Another day shows nothing booked for Wu.
    other = client.get(url, {"day": (board["day"] + dt.timedelta(days=1)).isoformat()})
    wu_other = other.content.decode().split('data-engineer="eng07"')[1].split("</tr>")[0]
    assert "<title>" not in wu_other


@pytest.mark.django_db
def test_day_view_defaults_to_the_booked_day_and_refuses_a_bad_day(client, dispatcher, board):
    client.force_login(dispatcher)
    visit_ticket = board["visit"].ticket
    html = client.get(f"/dispatch/tickets/{visit_ticket.pk}/").content.decode()
    assert f'value="{board["day"].isoformat()}"' in html
    assert 'class="bar this"' in html  # the selected ticket's own window stands out
    bad = client.get(f"/dispatch/tickets/{visit_ticket.pk}/", {"day": "2026-13-40"})
    assert bad.status_code == 200 and "Enter a valid date" in bad.content.decode()


@pytest.mark.django_db
def test_dispatch_ticket_page_in_bounded_queries(
    client, dispatcher, board, make_ticket, django_assert_max_num_queries
):
    for hour in (12, 14, 16):
        _booked(board["li"], make_ticket(), board["day"], hour, hour + 1)
    client.force_login(dispatcher)
    url = f"/dispatch/tickets/{board['ticket'].pk}/"
    with django_assert_max_num_queries(20):
        html = client.get(url, {"day": board["day"].isoformat()}).content.decode()
    assert html.count('<g class="bar') == 4


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dispatcher_screen_at_1366(desk_page, dispatcher, board, make_ticket):
    EngineerFactory(user__first_name="Zhou", user__username="eng31", skills=["tv"])
    waiting = make_ticket()
    services.ticket_dispatch_auto(ticket_id=waiting.pk)  # Li is full now? either way it shows
    page = desk_page
    browser_login(page, dispatcher.username)
    page.goto("/dispatch/")
    rows = page.locator("tr.queue-row")
    assert rows.count() >= 1
    # One line per row: a second line of text (about 22 px) would make a row over 50 px.
    for i in range(rows.count()):
        assert rows.nth(i).bounding_box()["height"] <= 44
    table = page.locator("table.queue-table").bounding_box()
    assert table["width"] >= 900  # the queue takes the width, not half of it
    page.screenshot(path="/tmp/dispatch-queue-1366.png", full_page=True)

    page.goto(f"/dispatch/tickets/{board['ticket'].pk}/?day={board['day'].isoformat()}")
    bar = page.locator("tr[data-engineer=eng07] g.bar rect")
    assert bar.count() == 1
    box = bar.bounding_box()
    timeline = page.locator("tr[data-engineer=eng07] svg.tl").bounding_box()
    assert box["width"] > 20 and abs(box["width"] / timeline["width"] - 2 / 14) < 0.02
    assert "#1" in page.locator("tr[data-engineer=eng12]").inner_text()
    page.screenshot(path="/tmp/dispatch-ticket-1366.png", full_page=True)

    # The manual list filters as the dispatcher types, by name or by code.
    def visible():
        return page.eval_on_selector_all(
            "select.engineer-list option", "os => os.filter(o => !o.hidden).map(o => o.text)"
        )

    assert len(visible()) >= 2
    page.fill("#engineer-filter", "eng07")
    assert [t.split(" ")[0] for t in visible()] == ["Wu"]
    page.fill("#engineer-filter", "li")
    assert all("Li" in t or "li" in t.lower() for t in visible()) and "Wu" not in " ".join(
        visible()
    )
    page.fill("#engineer-filter", "nobody-here")
    assert visible() == []
    assert page.locator("#engineer-filter-empty").is_visible()
    page.fill("#engineer-filter", "wu")
    page.press("#engineer-filter", "Enter")
    assert page.eval_on_selector("select.engineer-list", "s => s.value") == str(board["wu"].pk)
