"""The engineer's phone pages, the dispatcher's console and the API, through HTTP."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dispatch import services
from dispatch.models import Assignment
from tests.dispatch.factories import EngineerFactory, km_north
from tickets.models import IdempotencyKey, TicketEvent

pytestmark = pytest.mark.django_db

LAT = 36.07


@pytest.fixture
def job(make_ticket):
    engineer = EngineerFactory(user__first_name="Bob")
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    return engineer, ticket


@pytest.fixture
def other_engineer(db):
    return EngineerFactory(home_lat=km_north(LAT, 50))


def login(client, engineer):
    client.force_login(engineer.user)
    return client


def test_engineer_sees_only_their_jobs_and_gets_404_for_anothers(client, job, other_engineer):
    engineer, ticket = job
    login(client, engineer)
    page = client.get("/m/jobs/")
    assert ticket.number in page.content.decode()
    detail = client.get(f"/m/jobs/{ticket.pk}/").content.decode()
    assert f"tel:{ticket.customer.mobile}" in detail
    assert "uri.amap.com" in detail
    assert "In warranty" in detail

    login(client, other_engineer)
    assert ticket.number not in client.get("/m/jobs/").content.decode()
    assert client.get(f"/m/jobs/{ticket.pk}/").status_code == 404
    response = client.post(f"/m/jobs/{ticket.pk}/accept/", {"form_token": "t1"})
    assert response.status_code == 302 and response.url == "/m/jobs/"
    response = client.post(f"/m/jobs/{ticket.pk}/call/", {"outcome": "reached"})
    assert response.status_code in (302, 404)
    assert not Assignment.objects.filter(ticket=ticket, state="accepted").exists()
    assert not TicketEvent.objects.filter(ticket=ticket, kind="customer_call").exists()


def test_desk_roles_cannot_open_engineer_pages(client, agent, job):
    client.force_login(agent)
    assert client.get("/m/jobs/").status_code == 403


def test_accept_form_submitted_twice_acts_once(client, job):
    engineer, ticket = job
    login(client, engineer)
    for _ in range(2):
        assert (
            client.post(f"/m/jobs/{ticket.pk}/accept/", {"form_token": "tok-1"}).status_code == 302
        )
    assert IdempotencyKey.objects.filter(key="tok-1").count() == 1  # the one table
    assert ticket.events.filter(to_status="accepted").count() == 1


def test_call_form_submitted_twice_records_one_call(client, job):
    engineer, ticket = job
    services.assignment_accept(engineer=engineer, ticket_id=ticket.pk)
    login(client, engineer)
    for _ in range(2):
        client.post(f"/m/jobs/{ticket.pk}/call/", {"outcome": "reached", "form_token": "tok-2"})
    assert TicketEvent.objects.filter(ticket=ticket, kind="customer_call").count() == 1


def test_refused_booking_keeps_what_was_typed_and_names_the_problem(client, job):
    engineer, ticket = job
    services.assignment_accept(engineer=engineer, ticket_id=ticket.pk)
    login(client, engineer)
    day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        f"/m/jobs/{ticket.pk}/book/",
        {"day": day, "start": "11:00", "end": "10:00", "form_token": "tok-3"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The window must end after it starts." in html
    assert f'value="{day}"' in html and 'value="11:00"' in html
    # The token was not spent on the failed attempt: the corrected form goes through.
    response = client.post(
        f"/m/jobs/{ticket.pk}/book/",
        {"day": day, "start": "09:00", "end": "11:00", "form_token": "tok-3"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "scheduled"


def test_decline_page_moves_the_job_off_the_list(client, job):
    engineer, ticket = job
    login(client, engineer)
    response = client.post(
        f"/m/jobs/{ticket.pk}/decline/", {"reason": "too_far", "form_token": "tok-4"}
    )
    assert response.status_code == 302 and response.url == "/m/jobs/"
    assert ticket.number not in client.get("/m/jobs/").content.decode()


def test_job_list_query_count_does_not_grow_with_jobs(
    client, make_ticket, django_assert_max_num_queries
):
    engineer = EngineerFactory(max_concurrent=10, max_per_day=20)
    for _ in range(6):
        services.ticket_dispatch_auto(ticket_id=make_ticket().pk)
    login(client, engineer)
    with django_assert_max_num_queries(12):
        html = client.get("/m/jobs/").content.decode()
    assert html.count('class="job"') == 6


# --- dispatcher -------------------------------------------------------------------------


def test_queue_shows_waiting_tickets_with_reason_and_the_manual_share(
    client, dispatcher, make_ticket, django_assert_max_num_queries
):
    EngineerFactory(skills=["tv"])
    tickets = [make_ticket() for _ in range(3)]
    for t in tickets:
        services.ticket_dispatch_auto(ticket_id=t.pk)
    client.force_login(dispatcher)
    with django_assert_max_num_queries(15):
        html = client.get("/dispatch/").content.decode()
    for t in tickets:
        assert t.number in html
    assert "No engineer with the skill within reach" in html
    assert "Manual assignments per day" in html


def test_dispatch_view_explains_the_ranking_and_manual_assignment_needs_a_reason(
    client, dispatcher, make_ticket
):
    near = EngineerFactory(user__first_name="Near", home_lat=km_north(LAT, 1))
    far = EngineerFactory(user__first_name="Far", home_lat=km_north(LAT, 4), max_concurrent=1)
    Assignment.objects.create(ticket=make_ticket(), engineer=far, state="accepted")
    ticket = make_ticket()
    client.force_login(dispatcher)
    client.post(f"/dispatch/tickets/{ticket.pk}/auto/")
    html = client.get(f"/dispatch/tickets/{ticket.pk}/").content.decode()
    assert "Near" in html and "chosen" in html
    assert "At capacity (jobs now)" in html  # why Far was passed over
    other = EngineerFactory(user__first_name="Other", home_lat=km_north(LAT, 2))
    response = client.post(
        f"/dispatch/tickets/{ticket.pk}/assign/", {"engineer": other.pk, "reason": ""}
    )
    assert response.status_code == 400
    assert Assignment.objects.live().get(ticket=ticket).engineer == near
    response = client.post(
        f"/dispatch/tickets/{ticket.pk}/assign/",
        {"engineer": other.pk, "reason": "Customer asked for Other"},
    )
    assert response.status_code == 302
    assert Assignment.objects.live().get(ticket=ticket).engineer == other


def test_engineers_cannot_open_the_dispatch_console(client, job):
    engineer, ticket = job
    login(client, engineer)
    assert client.get("/dispatch/").status_code == 403
    assert client.get(f"/dispatch/tickets/{ticket.pk}/").status_code == 403


# --- API --------------------------------------------------------------------------------


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_api_dispatch_twice_gives_409_json(dispatcher, make_ticket):
    EngineerFactory()
    ticket = make_ticket()
    first = api(dispatcher).post(f"/api/v1/dispatch/tickets/{ticket.pk}/auto/")
    assert first.status_code == 201 and first.json()["state"] == "active"
    second = api(dispatcher).post(f"/api/v1/dispatch/tickets/{ticket.pk}/auto/")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_assigned"
    history = api(dispatcher).get(f"/api/v1/dispatch/tickets/{ticket.pk}/assignments/").json()
    assert history[0]["candidates"][0]["rank"] == 1


def test_api_engineer_flow_and_permissions(job, other_engineer):
    engineer, ticket = job
    base = f"/api/v1/engineer/jobs/{ticket.pk}"
    intruder = api(other_engineer.user)
    assert intruder.get(f"{base}/").status_code == 404
    assert intruder.post(f"{base}/accept/").status_code == 404
    assert intruder.post(f"{base}/calls/", {"outcome": "reached"}).status_code == 404

    me = api(engineer.user)
    assert [j["number"] for j in me.get("/api/v1/engineer/jobs/").json()] == [ticket.number]
    accepted = me.post(f"{base}/accept/").json()
    assert accepted["state"] == "accepted"
    # The ranking of colleagues is for dispatchers, not in the engineer's answer.
    assert "candidates" not in accepted and "score" not in accepted
    bad = me.post(f"{base}/calls/", {"outcome": "maybe"})
    assert bad.status_code == 400 and "outcome" in bad.json()["error"]["fields"]
    assert me.post(f"{base}/calls/", {"outcome": "reached"}).status_code == 201
    # Tomorrow 10:00 local: inside every shift whatever time the suite runs at.
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    booked = me.post(
        f"{base}/appointment/",
        {
            "window_start": start.isoformat(),
            "window_end": (start + dt.timedelta(hours=2)).isoformat(),
        },
        format="json",
    )
    assert booked.status_code == 201
    no_consent = me.post(
        f"{base}/reschedule/",
        {
            "window_start": (start + dt.timedelta(hours=3)).isoformat(),
            "window_end": (start + dt.timedelta(hours=4)).isoformat(),
            "customer_consent": False,
        },
        format="json",
    )
    assert no_consent.status_code == 400
    assert "customer_consent" in no_consent.json()["error"]["fields"]
    way = me.post(f"{base}/on-my-way/", {"eta_minutes": 20}, format="json")
    assert way.status_code == 200 and way.json()["status"] == "en_route"


def test_a_booking_beyond_the_booking_range_is_refused_by_the_setting(job, settings):
    engineer, ticket = job
    me = api(engineer.user)
    base = f"/api/v1/engineer/jobs/{ticket.pk}"
    me.post(f"{base}/accept/")
    me.post(f"{base}/calls/", {"outcome": "reached"})
    start = (timezone.localtime() + dt.timedelta(days=61)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    body = {
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(hours=2)).isoformat(),
    }
    far = me.post(f"{base}/appointment/", body, format="json")
    assert far.status_code == 400
    assert "window_start" in far.json()["error"]["fields"]
    assert "within the next 60 days" in far.content.decode()
    settings.BOOKING_MAX_DAYS_AHEAD = 90
    assert me.post(f"{base}/appointment/", body, format="json").status_code == 201


def test_api_desk_user_cannot_use_engineer_endpoints(agent, job):
    _engineer, ticket = job
    assert api(agent).post(f"/api/v1/engineer/jobs/{ticket.pk}/accept/").status_code == 403


def test_dispatch_ticket_page_query_count_stays_flat_with_history(
    client, dispatcher, make_ticket, django_assert_max_num_queries
):
    engineers = [EngineerFactory(home_lat=km_north(LAT, km)) for km in (1, 2, 3, 4)]
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    for e in engineers[:3]:
        services.assignment_decline(engineer=e, ticket_id=ticket.pk, reason="Too far")
    client.force_login(dispatcher)
    with django_assert_max_num_queries(16):
        html = client.get(f"/dispatch/tickets/{ticket.pk}/").content.decode()
    assert html.count("Declined, timed out or was taken off this job") >= 3


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_later_day_is_headed_in_the_engineers_language(client, job, language):
    engineer, ticket = job
    services.assignment_accept(engineer=engineer, ticket_id=ticket.pk)
    day = timezone.localdate() + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_default_timezone())
    services.appointment_book(
        engineer=engineer,
        ticket_id=ticket.pk,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
    )
    login(client, engineer)
    html = client.get("/m/jobs/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    if language == "en":
        heading = f"{day:%a} {day.day} {day:%b}"  # Tue 24 Nov
    else:
        heading = (
            f"{day.month}月{day.day}日 星期{'一二三四五六日'[day.weekday()]}"  # 11月24日 星期二
        )
    assert f"<h2>{heading}</h2>" in html
