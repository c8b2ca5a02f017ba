"""The agent's ticket page: "where is my engineer?" at the top, and the call's actions (a note,
a logged call, the priority, moving the visit, the tracking SMS again, a complaint), each
checked for the role and the ticket's call centre, each refusal shown in its form."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tests.console.desk_jobs import engineer_for, scheduled_job, tomorrow_at
from tests.factories import UserFactory
from tickets.models import CustomerContact, OutboundMessage, TicketEvent
from tickets.sla.models import SlaClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, agent_a):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(agent_a)
    return client


@pytest.fixture
def engineer(area_a):
    return engineer_for(area_a)


@pytest.fixture
def job(ticket_a, engineer):
    return scheduled_job(ticket_a, engineer)


def _page(client, ticket):
    response = client.get(reverse("ticket_detail", args=[ticket.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _where(body: str) -> str:
    return body.split('data-testid="where"', 1)[1].split("</section>", 1)[0]


# --- the header --------------------------------------------------------------------------


def test_header_names_the_engineer_their_point_a_tel_link_the_window_and_the_clocks(
    desk, job, engineer
):
    where = _where(_page(desk, job))
    assert "Minglang Wu" in where and f"({engineer.user.username})" in where
    assert "Shinan service point" in where
    assert 'href="tel:13900001111"' in where
    start, end = tomorrow_at(9), tomorrow_at(11)
    assert f"{start:%a} {start.day} {start:%b %H:%M}–{end:%H:%M}" in where
    assert "Your visit is booked." in where  # the status in words, as told to the caller
    # The running clocks: arrival (moved to the window's end) and completion, each with
    # its due time and time left, green while far from the deadline.
    arrival = SlaClock.objects.get(ticket=job, kind="arrival", state="running")
    assert 'data-kind="arrival" data-tone="ok"' in where
    assert f"due {arrival.due_at.astimezone(start.tzinfo):%m-%d %H:%M}" in where
    assert re.search(r'class="clock-left">\d+ h \d\d min left<', where)
    assert 'data-kind="completion"' in where


def test_header_without_an_engineer_says_so(desk, ticket_a):
    where = _where(_page(desk, ticket_a))
    assert "No engineer has the job yet." in where
    assert "No visit booked." in where
    assert "We are finding an engineer for you." in where
    assert 'data-kind="arrival"' in where


def test_eta_given_on_the_way_is_shown(desk, job, engineer):
    from dispatch import services as dispatch

    with time_machine.travel(tomorrow_at(8, 30), tick=False):
        dispatch.engineer_on_my_way(engineer=engineer, ticket_id=job.pk, eta_minutes=40)
        where = _where(_page(desk, job))
    assert 'data-testid="eta"' in where and "<strong>09:10</strong>" in where


def test_clock_turns_amber_at_its_warning_then_red_once_due(desk, ticket_a):
    clock = SlaClock.objects.get(ticket=ticket_a, kind="arrival", state="running")
    with time_machine.travel(clock.warn_at + dt.timedelta(seconds=30), tick=False):
        assert 'data-kind="arrival" data-tone="warn"' in _where(_page(desk, ticket_a))
    with time_machine.travel(clock.due_at + dt.timedelta(minutes=5), tick=False):
        where = _where(_page(desk, ticket_a))
    assert 'data-kind="arrival" data-tone="bad"' in where
    assert "5 min overdue" in where


def test_ticket_page_queries_stay_bounded_as_the_timeline_grows(
    desk, job, agent_a, settings, django_assert_max_num_queries
):
    from tickets import contacts

    _page(desk, job)
    settings.MASTERDATA_RECHECK_SECONDS = 3600
    # session, user, roles, staff profile, ticket, events, assignment, visit, clocks,
    # duplicates, report, extended warranties, the exchange panel, other apps' sections,
    # the installed units, the checklist, the one-stop checks and the customer's requests:
    # 20, whatever the number of events, clocks or calls.
    with django_assert_max_num_queries(20) as first:
        _page(desk, job)
    for i in range(15):
        contacts.ticket_note_add(ticket=job, actor=agent_a, text=f"note {i}")
        contacts.contact_log(
            customer=job.customer,
            ticket=job,
            actor=agent_a,
            direction="inbound",
            topic="where_is_engineer",
            note=f"call {i}",
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        body = _page(desk, job)
    assert "note 14" in body and "call 14" in body


# --- the actions -------------------------------------------------------------------------


def test_internal_note_is_on_the_timeline_and_never_on_the_customers_link(desk, job):
    response = desk.post(reverse("ticket_note", args=[job.pk]), {"text": "Neighbour has key"})
    assert response.status_code == 302
    event = TicketEvent.objects.get(ticket=job, kind="note")
    assert event.reason == "Neighbour has key" and event.actor.username == "anna"
    assert "Neighbour has key" in _page(desk, job)
    track = desk.get(reverse("ticket_track", args=[job.public_token])).content.decode()
    assert "Neighbour has key" not in track


def test_note_too_long_or_empty_is_refused_in_its_form(desk, job):
    response = desk.post(reverse("ticket_note", args=[job.pk]), {"text": "x" * 2001})
    assert response.status_code == 422
    body = response.content.decode()
    assert "at most 2000 characters" in body
    assert 'data-testid="action-note" open' in body
    response = desk.post(reverse("ticket_note", args=[job.pk]), {"text": "   "})
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    assert not TicketEvent.objects.filter(ticket=job, kind="note").exists()


def test_logged_call_is_a_contact_and_an_event_and_meets_no_engineer_clock(desk, ticket_a):
    from dispatch import services as dispatch
    from tests.dispatch.factories import EngineerFactory

    engineer = EngineerFactory(service_point__areas=[ticket_a.area])
    dispatch.ticket_dispatch_auto(ticket_id=ticket_a.pk)
    dispatch.assignment_accept(engineer=engineer, ticket_id=ticket_a.pk)
    response = desk.post(
        reverse("ticket_contact", args=[ticket_a.pk]),
        {
            "direction": "inbound",
            "topic": "where_is_engineer",
            "outcome": "reached",
            "note": "Asked when the engineer comes",
        },
    )
    assert response.status_code == 302
    contact = CustomerContact.objects.get(ticket=ticket_a)
    assert contact.customer_id == ticket_a.customer_id and contact.actor.username == "anna"
    event = TicketEvent.objects.get(ticket=ticket_a, kind="contact_logged")
    assert event.data["contact_id"] == contact.pk and event.reason == contact.note
    # The engineer still owes the customer their call.
    assert SlaClock.objects.get(ticket=ticket_a, kind="contact").state == "running"
    body = _page(desk, ticket_a)
    assert "took a call from the customer: Where is my engineer?" in body


def test_logged_call_reached_without_words_is_refused(desk, ticket_a):
    response = desk.post(
        reverse("ticket_contact", args=[ticket_a.pk]),
        {"direction": "outbound", "topic": "other", "outcome": "reached", "note": ""},
    )
    assert response.status_code == 422
    assert "Write what was said." in response.content.decode()
    # No answer: nothing to write down, and it is still recorded.
    response = desk.post(
        reverse("ticket_contact", args=[ticket_a.pk]),
        {"direction": "outbound", "topic": "other", "outcome": "no_answer", "note": ""},
    )
    assert response.status_code == 302
    assert CustomerContact.objects.get(ticket=ticket_a).outcome == "no_answer"


def test_priority_change_with_reason_recomputes_the_clocks(desk, ticket_a):
    arrival = SlaClock.objects.get(ticket=ticket_a, kind="arrival", state="running")
    before = arrival.due_at
    response = desk.post(
        reverse("ticket_priority", args=[ticket_a.pk]),
        {"priority": "emergency", "reason": "Water on the socket"},
    )
    assert response.status_code == 302
    ticket_a.refresh_from_db()
    assert ticket_a.priority == "emergency"
    arrival.refresh_from_db()
    assert arrival.due_at < before  # 2 hours instead of 4
    assert TicketEvent.objects.filter(ticket=ticket_a, kind="sla_recomputed").exists()
    changed = TicketEvent.objects.get(ticket=ticket_a, kind="priority_changed")
    assert changed.reason == "Water on the socket"
    timeline = _page(desk, ticket_a).split('data-testid="timeline"', 1)[1]
    assert "changed the priority from Normal to Emergency" in timeline
    assert "emergency" not in timeline.split("</ol>", 1)[0]


def test_priority_change_without_reason_is_refused_in_its_form(desk, ticket_a):
    response = desk.post(reverse("ticket_priority", args=[ticket_a.pk]), {"priority": "emergency"})
    assert response.status_code == 422
    assert 'data-testid="action-priority" open' in response.content.decode()
    response = desk.post(
        reverse("ticket_priority", args=[ticket_a.pk]),
        {"priority": "urgent!", "reason": "x"},
    )
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    ticket_a.refresh_from_db()
    assert ticket_a.priority == "normal"


def test_visit_moved_with_consent_through_dispatch(desk, job):
    url = reverse("ticket_reschedule", args=[job.pk])
    fields = {
        "window_start": f"{tomorrow_at(14):%Y-%m-%dT%H:%M}",
        "window_end": f"{tomorrow_at(16):%Y-%m-%dT%H:%M}",
        "reason": "Customer at work in the morning",
    }
    response = desk.post(url, fields)
    assert response.status_code == 422
    assert "only be moved with the customer&#x27;s consent" in response.content.decode()
    response = desk.post(url, {**fields, "customer_consent": "on"})
    assert response.status_code == 302
    event = TicketEvent.objects.get(ticket=job, kind="rescheduled")
    assert event.data["customer_consent"] is True and event.actor.username == "anna"
    assert OutboundMessage.objects.filter(ticket=job, purpose="visit_rescheduled").exists()
    start = tomorrow_at(14)
    assert f"{start:%a} {start.day} {start:%b %H:%M}–16:00" in _where(_page(desk, job))


def test_visit_move_offered_only_with_a_booked_visit(desk, ticket_a):
    assert 'data-testid="action-reschedule"' not in _page(desk, ticket_a)
    response = desk.post(
        reverse("ticket_reschedule", args=[ticket_a.pk]),
        {
            "window_start": f"{tomorrow_at(14):%Y-%m-%dT%H:%M}",
            "window_end": f"{tomorrow_at(16):%Y-%m-%dT%H:%M}",
            "customer_consent": "on",
        },
    )
    assert response.status_code == 422
    assert "This ticket has no engineer." in response.content.decode()


def test_tracking_sms_resent_once_then_refused_for_two_minutes(desk, ticket_a):
    url = reverse("ticket_tracking_resend", args=[ticket_a.pk])
    assert desk.post(url).status_code == 302
    sent = OutboundMessage.objects.filter(ticket=ticket_a, purpose="tracking_link")
    assert sent.count() == 1
    assert ticket_a.public_token in sent.get().body and sent.get().to == "+8613812345678"
    response = desk.post(url)
    assert response.status_code == 422
    assert "The link was sent a moment ago" in response.content.decode()
    with time_machine.travel(dt.timedelta(minutes=3)):
        assert desk.post(url).status_code == 302
    assert sent.count() == 2
    assert TicketEvent.objects.filter(ticket=ticket_a, kind="tracking_link_sent").count() == 2


def test_complaint_link_opens_the_complaints_form(desk, ticket_a):
    body = _page(desk, ticket_a)
    url = reverse("complaint_new", args=[ticket_a.pk])
    assert f'href="{url}" data-testid="link-complaint" data-hotkey="k"' in body
    assert desk.get(url).status_code == 200


# --- who may -----------------------------------------------------------------------------

ACTIONS = {
    "ticket_note": {"text": "hello"},
    "ticket_contact": {
        "direction": "inbound",
        "topic": "enquiry",
        "outcome": "reached",
        "note": "hi",
    },
    "ticket_priority": {"priority": "emergency", "reason": "x"},
    "ticket_reschedule": {
        "window_start": "2030-01-01T09:00",
        "window_end": "2030-01-01T10:00",
        "customer_consent": "on",
    },
    "ticket_tracking_resend": {},
}


@pytest.mark.parametrize("name", sorted(ACTIONS))
@pytest.mark.parametrize("role", ["engineer", "partner", "quality", "warehouse"])
def test_engineers_partners_and_others_may_not_act(client, ticket_a, name, role):
    client.force_login(UserFactory(username=f"x-{role}", roles=[role]))
    response = client.post(reverse(name, args=[ticket_a.pk]), ACTIONS[name])
    assert response.status_code == 403
    assert not TicketEvent.objects.filter(
        ticket=ticket_a, kind__in=["note", "contact_logged", "priority_changed"]
    ).exists()
    assert not OutboundMessage.objects.filter(purpose="tracking_link").exists()


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_another_call_centres_agent_gets_not_found(client, ticket_a, agent_b, name):
    client.force_login(agent_b)
    assert client.post(reverse(name, args=[ticket_a.pk]), ACTIONS[name]).status_code == 404


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_actions_take_post_only_and_anonymous_go_to_login(client, ticket_a, name):
    response = client.post(reverse(name, args=[ticket_a.pk]), ACTIONS[name])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(UserFactory(username="d1", roles=["dispatcher"]))
    assert client.get(reverse(name, args=[ticket_a.pk])).status_code == 405


@pytest.mark.parametrize("role", ["dispatcher", "supervisor"])
def test_dispatchers_and_supervisors_act_too(client, ticket_a, role):
    user = UserFactory(username=f"y-{role}", roles=[role])
    client.force_login(user)
    response = client.post(reverse("ticket_note", args=[ticket_a.pk]), {"text": "seen"})
    assert response.status_code == 302
    assert TicketEvent.objects.get(ticket=ticket_a, kind="note").actor == user


def test_ticket_page_in_chinese_reads_chinese(client, agent_a, job):
    client.force_login(agent_a)
    body = client.get(
        reverse("ticket_detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    text = re.sub(r"<[^>]+>", " ", body.split('data-testid="where"', 1)[1].split("Timeline")[0])
    for english in ("Engineer", "Visit", "Service clocks", "left", "Internal note", "Log the"):
        assert english not in text, english
    assert "师傅" in text and "服务时限" in text and "剩余" in text


def test_no_two_elements_of_the_ticket_page_share_an_id(desk, job, out_of_warranty_ticket):
    for ticket in (job, out_of_warranty_ticket):
        ids = re.findall(r'\sid="([^"]+)"', _page(desk, ticket))
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
