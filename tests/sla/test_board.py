"""The supervisor live board over HTTP: who may see it, what it shows, the acknowledge action."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.factories import ServiceAreaFactory, UserFactory
from tests.sla.conftest import MONDAY_10, assign, make_ticket
from tickets.models import CallCentre, SlaEscalation, StaffProfile
from tickets.sla.services import sla_sweep

pytestmark = pytest.mark.django_db
URL = "/board/"


@pytest.fixture
def t0():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def test_board_url_name():
    assert reverse("supervisor_board") == URL


def test_only_dispatching_roles_see_the_board(client, agent, engineer_user, supervisor):
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    client.force_login(engineer_user)
    assert client.get(URL).status_code == 403
    client.force_login(supervisor)
    assert client.get(URL).status_code == 200


def test_board_shows_states_with_time_left_and_links(
    client, supervisor, sla_world, t0, engineer_user
):
    on_track = make_ticket()
    at_risk = make_ticket(priority="emergency")
    breached = make_ticket()
    assign(breached, engineer_user)
    t0.shift(dt.timedelta(minutes=95))  # emergency arrival (2 h) is 79% used
    sla_sweep()
    client.force_login(supervisor)
    html = client.get(URL).content.decode()
    # On track: both clocks of the first, completion of the emergency, arrival and
    # completion of the assigned one.
    assert 'data-testid="count-on_track"><span>5</span>' in html
    assert 'data-testid="count-at_risk"><span>1</span>' in html
    assert 'data-testid="count-breached"><span>2</span>' in html  # accept and contact
    assert "25 min left" in html
    assert "1 h 25 min overdue" in html and "1 h 05 min overdue" in html  # accept, contact
    for ticket in (at_risk, breached):
        assert f">{ticket.number}</a>" in html
    # What burns first: breached, then at risk; on track only as a count linking to its list.
    assert html.index('data-testid="list-breached"') < html.index('data-testid="list-at_risk"')
    assert 'data-testid="list-on_track"' not in html and on_track.number not in html
    assert 'href="?&state=on_track">5 clocks on track: show them</a>' in html
    assert html.index('data-testid="count-breached"') < html.index('data-testid="count-on_track"')
    assert 'href="?&state=breached" data-testid="count-breached"' in html
    listed = client.get(URL, {"state": "on_track"}).content.decode()
    assert f">{on_track.number}</a>" in listed
    assert f'href="/tickets/{breached.pk}/"' in html or "ticket_detail" not in html
    escalations = SlaEscalation.objects.filter(ticket=breached)
    assert escalations.count() == 2
    assert f'data-escalation="{escalations[0].pk}"' in html


def test_figures_link_to_the_tickets_behind_them(client, supervisor, sla_world, t0):
    make_ticket(priority="emergency")
    make_ticket()
    t0.shift(dt.timedelta(minutes=95))
    client.force_login(supervisor)
    html = client.get(URL, {"state": "at_risk"}).content.decode()
    assert 'data-testid="list-at_risk"' in html
    assert 'data-testid="list-on_track"' not in html


def test_filters_by_area_and_priority(client, supervisor, sla_world, t0):
    other = ServiceAreaFactory(code="QD-LS", name="Laoshan")
    here = make_ticket()
    there = make_ticket(area=other, priority="emergency")
    client.force_login(supervisor)
    html = client.get(URL, {"area": other.pk, "state": "on_track"}).content.decode()
    assert there.number in html and here.number not in html
    html = client.get(URL, {"priority": "normal", "state": "on_track"}).content.decode()
    assert here.number in html and there.number not in html


def test_dispatcher_sees_only_the_areas_of_their_call_centre(client, dispatcher, sla_world, t0):
    other = ServiceAreaFactory(code="JN-1", name="Lixia", city="Jinan")
    centre = CallCentre.objects.create(name="Qingdao centre")
    centre.areas.add(sla_world["area"])
    StaffProfile.objects.update_or_create(
        user=dispatcher, defaults={"call_centre": centre, "national_desk": False}
    )
    mine = make_ticket()
    theirs = make_ticket(area=other)
    client.force_login(dispatcher)
    html = client.get(URL, {"state": "on_track"}).content.decode()
    assert mine.number in html and theirs.number not in html


def test_htmx_poll_returns_only_the_fragment(client, supervisor, sla_world, t0):
    make_ticket()
    client.force_login(supervisor)
    response = client.get(URL, {"part": "clocks", "area": "1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="clocks"')
    assert "<html" not in html
    assert 'hx-get="/board/?part=clocks&area=1"' in html  # the poll keeps the filters, once


def test_board_query_count_does_not_grow_with_tickets(
    client, supervisor, sla_world, t0, engineer_user, django_assert_max_num_queries
):
    for _ in range(8):
        assign(make_ticket(), engineer_user)
    t0.shift(dt.timedelta(hours=5))
    sla_sweep()
    client.force_login(supervisor)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.content.decode().count("data-escalation=") == 24


def test_acknowledge_requires_a_note_and_stops_the_chain(client, supervisor, sla_world, t0):
    ticket = make_ticket(priority="emergency")
    t0.shift(dt.timedelta(hours=3))
    sla_sweep()
    esc = SlaEscalation.objects.get(ticket=ticket)
    client.force_login(supervisor)
    url = reverse("sla_escalation_acknowledge", args=[esc.pk])
    html = client.post(url, {"note": " "}, HTTP_HX_REQUEST="true").content.decode()
    assert "Write what is being done about it." in html
    esc.refresh_from_db()
    assert esc.acknowledged_at is None
    html = client.post(url, {"note": "Calling the customer now"}, HTTP_HX_REQUEST="true")
    esc.refresh_from_db()
    assert esc.acknowledged_by == supervisor and esc.note == "Calling the customer now"
    assert f'data-escalation="{esc.pk}"' not in html.content.decode()


def test_an_overlong_acknowledgement_note_is_refused_naming_its_limit(
    client, supervisor, sla_world, t0
):
    ticket = make_ticket(priority="emergency")
    t0.shift(dt.timedelta(hours=3))
    sla_sweep()
    esc = SlaEscalation.objects.get(ticket=ticket)
    client.force_login(supervisor)
    url = reverse("sla_escalation_acknowledge", args=[esc.pk])
    html = client.post(url, {"note": "x" * 2001}, HTTP_HX_REQUEST="true").content.decode()
    assert "At most 2000 characters (this has 2001)." in html
    esc.refresh_from_db()
    assert esc.acknowledged_at is None and esc.note == ""


def test_dispatcher_cannot_acknowledge_another_centres_escalation(
    client, dispatcher, sla_world, t0
):
    other = ServiceAreaFactory(code="JN-1", name="Lixia", city="Jinan")
    centre = CallCentre.objects.create(name="Qingdao centre")
    centre.areas.add(sla_world["area"])
    StaffProfile.objects.update_or_create(
        user=dispatcher, defaults={"call_centre": centre, "national_desk": False}
    )
    theirs = make_ticket(area=other, priority="emergency")
    t0.shift(dt.timedelta(hours=3))
    sla_sweep()
    esc = SlaEscalation.objects.get(ticket=theirs)
    client.force_login(dispatcher)
    response = client.post(
        reverse("sla_escalation_acknowledge", args=[esc.pk]), {"note": "mine now"}
    )
    assert response.status_code == 404
    esc.refresh_from_db()
    assert esc.acknowledged_at is None
    assert UserFactory  # factories module imported for other tests


def test_supervisor_edits_a_policy_and_a_calendar_in_the_admin(
    client, supervisor, agent, django_capture_on_commit_callbacks
):
    from tickets.models import ServiceCalendar, SlaPolicy, TaskOutbox

    policy = SlaPolicy.objects.get(priority="normal", area_type="urban")
    client.force_login(supervisor)
    assert (
        client.get(reverse("admin:tickets_slapolicy_change", args=[policy.pk])).status_code == 200
    )
    calendar = ServiceCalendar.objects.get(name="Service hours")
    url = reverse("admin:tickets_servicecalendar_change", args=[calendar.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "name": calendar.name,
        "time_zone": "Europe/Berlin",
        "is_default": "on",
        "hours-TOTAL_FORMS": "0",
        "hours-INITIAL_FORMS": "0",
        "holidays-TOTAL_FORMS": "1",
        "holidays-INITIAL_FORMS": "0",
        "holidays-0-date": "2026-10-01",
        "holidays-0-name": "National Day",
    }
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert calendar.holidays.filter(name="National Day").exists()
    assert TaskOutbox.objects.filter(
        name="tickets.sla_recompute_calendar", kwargs={"calendar_id": calendar.pk}
    ).exists()
    client.force_login(agent)
    assert client.get(url).status_code in (302, 403)


def test_filter_by_service_point_shows_its_engineers_jobs_and_its_areas_waiting_tickets(
    client, supervisor, dispatcher, sla_world, t0
):
    from dispatch.services import ticket_assign_manual
    from tests.dispatch.factories import EngineerFactory, ServicePointFactory

    other_area = ServiceAreaFactory(code="QD-LS", name="Laoshan")
    here = ServicePointFactory(name="Shinan point", areas=[sla_world["area"]])
    there = ServicePointFactory(name="Laoshan point", areas=[other_area])
    waiting_here = make_ticket()
    waiting_there = make_ticket(area=other_area)
    held_by_here = make_ticket(area=other_area)  # served across the boundary
    engineer = EngineerFactory(service_point=here)
    ticket_assign_manual(
        ticket_id=held_by_here.pk, engineer_id=engineer.pk, reason="nearest", actor=dispatcher
    )

    client.force_login(supervisor)
    page = client.get(URL).content.decode()
    assert "Shinan point" in page and "Laoshan point" in page  # the filter is offered
    html = client.get(URL, {"service_point": here.pk, "state": "on_track"}).content.decode()
    assert waiting_here.number in html and held_by_here.number in html
    assert waiting_there.number not in html
    html = client.get(URL, {"service_point": there.pk, "state": "on_track"}).content.decode()
    assert waiting_there.number in html
    assert waiting_here.number not in html and held_by_here.number not in html


def test_board_shows_notifications_held_for_working_hours(
    client, supervisor, sla_world, dispatcher
):
    from tests.sla.conftest import SHANGHAI

    night = dt.datetime(2026, 3, 2, 19, 50, tzinfo=SHANGHAI)
    with time_machine.travel(night, tick=False) as t:
        held = make_ticket()
        emergency = make_ticket(priority="emergency")
        t.shift(dt.timedelta(hours=4, seconds=1))  # 23:50: both arrivals breached
        sla_sweep()
        client.force_login(supervisor)
        html = client.get(URL).content.decode()
        assert 'data-testid="held-count">1</span>' in html
        assert f">{held.number}</a></td>\n        <td>Escalation level 1 · Arrive on site" in html
        assert "03-03 08:00" in html
        assert f">{emergency.number}</a></td>\n        <td>Escalation" not in html
        part = client.get(URL, {"part": "held"}, headers={"HX-Request": "true"})
        assert part.status_code == 200 and 'id="held"' in part.content.decode()
        assert "<h1>" not in part.content.decode()
