"""Timelines read as sentences in the reader's language: who did what, in words, never ids,
field keys or JSON (an administrator may open the raw data); reasons the system stored are
codes, shown in the reader's language whatever language the worker wrote them in."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from dispatch import services as dispatch
from dispatch.models import Assignment
from tests.console.desk_jobs import engineer_for, scheduled_job
from tests.factories import UserFactory
from tickets import timeline
from tickets.lifecycle import Status
from tickets.models import TicketEvent
from tickets.services import ticket_event_record, ticket_transition
from tickets.sla.models import SlaClock

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def engineer(area_a):
    engineer = engineer_for(area_a)
    engineer.user.username = "eng07"
    engineer.user.first_name, engineer.user.last_name = "吴明亮", ""
    engineer.user.save()
    return engineer


def _timeline(client, ticket, language):
    response = client.get(reverse("ticket_detail", args=[ticket.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    body = response.content.decode()
    return body.split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0]


def _diagnose(ticket, engineer):
    """On site and diagnosed: the compressor of a fridge does not start."""
    ticket_transition(ticket=ticket, to=Status.EN_ROUTE, actor=engineer.user)
    ticket_transition(ticket=ticket, to=Status.ON_SITE, actor=engineer.user)
    ticket_event_record(
        ticket=ticket,
        kind="diagnosis",
        actor=engineer.user,
        data={"diagnosis_id": 99, "fault": "compressor", "cause": "wear", "needs_senior": False},
    )


def test_the_timeline_reads_as_sentences_in_each_language(client, ticket_a, engineer, agent_a):
    scheduled_job(ticket_a, engineer)
    _diagnose(ticket_a, engineer)
    client.force_login(agent_a)

    english = _timeline(client, ticket_a, "en")
    assert "Engineer 吴明亮 (eng07) accepted" in english
    assert "Diagnosis: Compressor does not start" in english
    assert "Engineer 吴明亮 (eng07) booked the visit for" in english
    for raw in ("assignment_id", "engineer_user_id", "diagnosis_id", "{&quot;", '{"', "None"):
        assert raw not in english
    # Nothing Chinese on the English page but the engineer's name.
    assert not CJK.search(english.replace("吴明亮", ""))
    assert "Details" not in english  # the raw data is for administrators

    chinese = _timeline(client, ticket_a, "zh-hans")
    assert "工程师 吴明亮 (eng07)" in chinese
    assert "Diagnosis" not in chinese and "accepted" not in chinese
    assert "system" not in chinese and "The system" not in chinese


def test_an_administrator_can_open_the_raw_data(client, ticket_a, engineer):
    scheduled_job(ticket_a, engineer)
    admin = UserFactory(username="root", roles=["admin"], is_superuser=True, is_staff=True)
    client.force_login(admin)
    body = _timeline(client, ticket_a, "en")
    assert "<summary>Details</summary>" in body and "assignment_id" in body


def test_a_reason_the_system_stored_is_shown_in_the_readers_language(
    client, ticket_a, engineer, agent_a
):
    """A breached contact clock takes the job back: the reason is a code, so an English
    reader never reads the Chinese words of a worker that ran in Chinese, and the reverse."""
    scheduled_job(ticket_a, engineer)
    with translation.override("zh-hans"):  # the Celery worker runs in the default language
        dispatch.ticket_redispatch(
            ticket=ticket_a,
            reason="",
            actor=None,
            find_next=False,
            data={"reason_code": "sla_breached", "sla_clock": "contact"},
        )
    event = TicketEvent.objects.filter(
        ticket=ticket_a, kind="status", to_status="awaiting_dispatch"
    ).last()
    assert event.reason == "" and event.data["reason_code"] == "contact_breach"
    client.force_login(agent_a)
    assert "Customer not called in time" in _timeline(client, ticket_a, "en")
    assert "未及时联系客户" in _timeline(client, ticket_a, "zh-hans")


def test_old_reasons_stored_as_words_are_translated_too(client, ticket_a, engineer, agent_a):
    """Rows written before reasons were codes (events are append-only) read in the
    reader's language: a Chinese system sentence becomes English on an English page."""
    scheduled_job(ticket_a, engineer)
    ticket_transition(ticket=ticket_a, to=Status.EN_ROUTE, actor=engineer.user)
    ticket_transition(ticket=ticket_a, to=Status.ON_SITE, actor=engineer.user)
    with translation.override("zh-hans"):
        words = str(timeline.REASONS["far_from_address"])
    assert CJK.search(words)
    ticket_transition(
        ticket=ticket_a, to=Status.WAITING_FOR_PARTS, actor=engineer.user, reason=words
    )
    client.force_login(agent_a)
    english = _timeline(client, ticket_a, "en")
    assert "Checked in far from the address" in english and words not in english


def test_take_back_stores_the_code_and_only_what_the_dispatcher_typed(
    ticket_a, engineer, dispatcher
):
    scheduled_job(ticket_a, engineer)
    dispatch.assignment_take_back(
        ticket_id=ticket_a.pk, reason_code="vehicle_breakdown", detail="flat tyre", actor=dispatcher
    )
    taken = Assignment.objects.get(ticket=ticket_a, engineer=engineer)
    assert taken.end_code == "vehicle_breakdown" and taken.end_reason == "flat tyre"
    with translation.override("en"):
        event = TicketEvent.objects.filter(
            ticket=ticket_a, kind="status", to_status="awaiting_dispatch"
        ).last()
        entry = timeline.timeline_entry(event)
        assert entry.note == "Engineer's vehicle broke down — flat tyre"


def test_a_clock_paused_for_parts_shows_its_reason_in_the_readers_language(
    client, ticket_a, engineer, agent_a
):
    scheduled_job(ticket_a, engineer)
    ticket_transition(ticket=ticket_a, to=Status.EN_ROUTE, actor=engineer.user)
    ticket_transition(ticket=ticket_a, to=Status.ON_SITE, actor=engineer.user)
    ticket_transition(ticket=ticket_a, to=Status.WAITING_FOR_PARTS, actor=engineer.user)
    paused = SlaClock.objects.filter(ticket=ticket_a, state="paused")
    assert paused and {c.pause_reason for c in paused} == {"waiting_for_parts"}
    client.force_login(agent_a)
    body = client.get(
        reverse("ticket_detail", args=[ticket_a.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Waiting for parts" in body.split('data-testid="timeline"')[0]


def test_the_engineers_job_page_lists_the_calls_and_history_as_sentences(
    client, ticket_a, engineer
):
    scheduled_job(ticket_a, engineer)
    dispatch.customer_call_log(engineer=engineer, ticket_id=ticket_a.pk, outcome="no_answer")
    client.force_login(engineer.user)
    body = client.get(
        reverse("engineer_job", args=[ticket_a.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "called the customer: no answer" in body.split('data-testid="job-history"')[0]
    history = body.split('data-testid="job-history"', 1)[1]
    assert "Engineer 吴明亮 (eng07) accepted" in history
    assert "assignment_id" not in history


def test_reasons_stored_as_words_become_codes(ticket_a, engineer):
    """The data migrations: a pause reason and a take-back written as the system's words
    (Chinese, by a worker) keep only codes and what the dispatcher typed."""
    import importlib

    from django.apps import apps

    scheduled_job(ticket_a, engineer)
    assignment = Assignment.objects.get(ticket=ticket_a)
    Assignment.objects.filter(pk=assignment.pk).update(
        end_code="vehicle_breakdown", end_reason="工程师车辆故障: 爆胎"
    )
    clock = SlaClock.objects.filter(ticket=ticket_a).first()
    SlaClock.objects.filter(pk=clock.pk).update(pause_reason="待备件")
    for module in (
        "tickets.migrations.0117_sla_pause_reasons_as_codes",
        "dispatch.migrations.0005_reasons_as_codes",
    ):
        importlib.import_module(module).forwards(apps, None)
    assignment.refresh_from_db()
    clock.refresh_from_db()
    assert assignment.end_reason == "爆胎" and clock.pause_reason == "waiting_for_parts"
    with translation.override("en"):
        assert timeline.stored_reason_text(clock.pause_reason) == "Waiting for parts"


def test_dates_read_naturally_in_each_language():
    import datetime as dt

    from tickets.templatetags.language_tags import natural_date, natural_datetime

    day = dt.date(2026, 12, 4)  # a Friday
    with translation.override("zh-hans"):
        assert natural_date(day) == "12月4日 星期五"
    with translation.override("en"):
        assert natural_date(day) == "Fri 4 Dec"
        assert natural_date(dt.date(2025, 12, 5)) == "Fri 5 Dec 2025"  # another year
        at = dt.datetime(2026, 12, 4, 6, 5, tzinfo=dt.UTC)  # 14:05 in Shanghai
        assert natural_datetime(at) == "Fri 4 Dec 14:05"
