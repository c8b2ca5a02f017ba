"""Who sees which call; the queue's order, filters and query count."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from callbacks.models import Callback
from tests.factories import ServiceAreaFactory, UserFactory
from tickets.models import CallCentre

from .conftest import completed_job, follow_up_of

pytestmark = pytest.mark.django_db


def _agent_of(centre, username):
    return UserFactory(username=username, roles=["agent"], desk=centre)


@pytest.fixture
def two_centres(world):
    north = ServiceAreaFactory(code="QD-LS", name="Laoshan", city="Qingdao")
    a = CallCentre.objects.create(name="Qingdao South")
    a.areas.add(world["area"])
    b = CallCentre.objects.create(name="Qingdao North")
    b.areas.add(north)
    return {"south": a, "north": b, "north_area": north}


def test_an_agent_of_another_call_centre_cannot_see_the_callback(
    two_centres, engineer_user, client
):
    ticket = completed_job(engineer_user)
    callback = follow_up_of(ticket)
    outsider = _agent_of(two_centres["north"], "nora")
    client.force_login(outsider)
    assert client.get(reverse("callback_work", args=[callback.pk])).status_code == 404
    queue = client.get(reverse("callback_queue")).content.decode()
    assert ticket.number not in queue
    insider = _agent_of(two_centres["south"], "sue")
    client.force_login(insider)
    assert client.get(reverse("callback_work", args=[callback.pk])).status_code == 200
    assert ticket.number in client.get(reverse("callback_queue")).content.decode()


def test_engineers_and_anonymous_users_cannot_open_the_queue(world, engineer_user, client):
    assert client.get(reverse("callback_queue")).status_code == 302
    client.force_login(engineer_user)
    assert client.get(reverse("callback_queue")).status_code == 403


def test_deep_callbacks_are_for_supervisors_only(world, engineer_user, agent, client):
    client.force_login(agent)
    assert client.get(reverse("callback_deep_queue")).status_code == 403
    assert client.get(reverse("callback_hanging")).status_code == 403


def test_queue_is_ordered_by_due_time_and_filtered_by_area_and_centre(
    two_centres, engineer_user, supervisor, client, django_assert_max_num_queries
):
    later = completed_job(engineer_user)
    earlier = completed_job(engineer_user, area=two_centres["north_area"])
    Callback.objects.filter(ticket=earlier).update(due_at=timezone.now() + dt.timedelta(hours=1))
    for _ in range(5):
        completed_job(engineer_user)
    client.force_login(supervisor)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("callback_queue")).content.decode()
    assert page.index(earlier.number) < page.index(later.number)
    south = client.get(
        reverse("callback_queue"), {"centre": two_centres["south"].pk}
    ).content.decode()
    assert later.number in south and earlier.number not in south
    north = client.get(
        reverse("callback_queue"), {"area": two_centres["north_area"].pk}
    ).content.decode()
    assert earlier.number in north and later.number not in north


def test_the_agents_queue_costs_the_same_statements_for_2_or_12_calls(world, engineer_user, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    centre = CallCentre.objects.create(name="Qingdao South")
    centre.areas.add(world["area"])
    client.force_login(_agent_of(centre, "sue"))

    def page():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("callback_queue"))
        assert response.status_code == 200
        return response.content.decode(), len(queries)

    first = [completed_job(engineer_user, area=world["area"]) for _ in range(2)]
    first[0].customer.name = "<b>Wang</b>"
    first[0].customer.save()
    few, few_count = page()
    assert "&lt;b&gt;Wang&lt;/b&gt;" in few and "<b>Wang" not in few  # escaped
    rest = [completed_job(engineer_user, area=world["area"]) for _ in range(10)]
    many, many_count = page()
    assert all(t.number in many for t in first + rest)
    assert many.count("data-callback=") == 12
    # session, user, roles, profile, the queue (one statement with its tickets, customers
    # and appliances), the area's cached name, the areas of the filter
    assert many_count == few_count <= 8


def test_the_work_page_shows_the_jobs_summary(world, engineer_user, agent, client):
    from tickets.onsite.models import ChargeLine, Diagnosis

    ticket = completed_job(engineer_user)
    Diagnosis.objects.create(
        ticket=ticket,
        engineer=engineer_user,
        fault="not_cooling",
        cause="x",
        fault_class="standard",
    )
    ChargeLine.objects.create(
        ticket=ticket, kind="call_out", description="Call-out", list_price=50, amount=50
    )
    client.force_login(agent)
    page = client.get(reverse("callback_work", args=[follow_up_of(ticket).pk])).content.decode()
    engineer = engineer_user.get_full_name() or engineer_user.get_username()
    for fact in ("Fault found", "Not cooling", engineer, "Charges", "50.00 CNY"):
        assert fact in page, fact
