"""Item 2 and 4: the 48-hour follow-up callback, its retries, the survey gap, deep callbacks."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from callbacks.models import CallAttempt, Callback, Complaint, RootCause, Survey
from callbacks.services.call_logging import deep_callback_log, follow_up_log
from callbacks.services.callbacks import follow_up_open
from callbacks.services.closure import ticket_close_if_done
from callbacks.services.complaints import complaint_move
from callbacks.services.sweep import callbacks_sweep
from tests.factories import UserFactory
from tickets.errors import Conflict, PermissionDenied
from tickets.lifecycle import CloseReason, Status
from tickets.models import OutboundMessage, SlaClock, Ticket

from .conftest import GOOD, completed_job, follow_up_of

pytestmark = pytest.mark.django_db


def test_completing_a_job_creates_one_follow_up_due_with_the_callback_clock(world, engineer_user):
    ticket = completed_job(engineer_user)
    callback = follow_up_of(ticket)
    clock = SlaClock.objects.get(ticket=ticket, kind="callback")
    assert callback.state == "open"
    assert callback.due_at == clock.due_at
    assert callback.window_ends_at - clock.started_at == dt.timedelta(hours=48)
    sms = OutboundMessage.objects.get(ticket=ticket, purpose="rating")
    assert "/rate/" in sms.body


@pytest.mark.django_db(transaction=True)
def test_concurrent_completion_handlers_create_the_callback_once(
    transactional_db, warranty_policies, area, engineer_user
):
    ticket = completed_job(engineer_user)
    Callback.objects.all().delete()
    barrier, made = threading.Barrier(4), []

    def run():
        try:
            barrier.wait()
            made.append(follow_up_open(ticket=Ticket.objects.get(pk=ticket.pk), now=timezone.now()))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 4
    assert Callback.objects.filter(ticket=ticket, kind="follow_up").count() == 1
    assert len({c.pk for c in made}) == 1


def test_reached_call_records_the_survey_and_closes_the_ticket(world, engineer_user, agent):
    ticket = completed_job(engineer_user)
    follow_up_log(callback=follow_up_of(ticket), outcome="reached", actor=agent, survey=GOOD)
    ticket.refresh_from_db()
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.speed, survey.channel) == (5, "agent_call")
    assert follow_up_of(ticket).result == "surveyed"
    assert ticket.status == Status.CLOSED
    assert ticket.close_reason == CloseReason.CALLBACK_DONE
    assert SlaClock.objects.get(ticket=ticket, kind="callback").state == "met"
    assert not Callback.objects.filter(ticket=ticket, kind="deep").exists()


def test_busy_is_retried_two_hours_apart_then_closes_as_unreachable(world, engineer_user, agent):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        ticket = completed_job(engineer_user)
        callback = follow_up_of(ticket)
        follow_up_log(callback=callback, outcome="busy", actor=agent)
        callback.refresh_from_db()
        assert callback.next_attempt_at == start + dt.timedelta(hours=2)
        assert not Callback.objects.due(timezone.now()).filter(pk=callback.pk).exists()

        traveller.shift(dt.timedelta(hours=2, seconds=1))
        assert callbacks_sweep()["retries"] == 1
        assert ticket.events.filter(kind="call_retry_due").count() == 1
        assert callbacks_sweep()["retries"] == 0  # marked once
        assert Callback.objects.due(timezone.now()).filter(pk=callback.pk).exists()
        follow_up_log(callback=callback, outcome="no_answer", actor=agent)
        traveller.shift(dt.timedelta(hours=2, seconds=1))
        follow_up_log(callback=callback, outcome="busy", actor=agent)

    callback.refresh_from_db()
    ticket.refresh_from_db()
    assert callback.state == "unreachable"
    assert list(callback.call_attempts.values_list("number", "outcome")) == [
        (1, "busy"),
        (2, "no_answer"),
        (3, "busy"),
    ]
    assert ticket.status == Status.CLOSED
    assert ticket.close_reason == CloseReason.CALLBACK_UNREACHABLE
    # the attempts are evidence that the clock was honoured: it is met, not breached
    assert SlaClock.objects.get(ticket=ticket, kind="callback").state == "met"
    with pytest.raises(Conflict):
        follow_up_log(callback=callback, outcome="busy", actor=agent)


def test_a_wrong_number_is_not_retried(world, engineer_user, agent):
    ticket = completed_job(engineer_user)
    callback = follow_up_log(callback=follow_up_of(ticket), outcome="wrong_number", actor=agent)
    assert callback.state == "unreachable"
    assert CallAttempt.objects.filter(callback=callback).count() == 1


def test_a_customer_surveyed_this_week_is_not_called_again_and_the_skip_says_why(
    world, engineer_user, agent
):
    first = completed_job(engineer_user)
    follow_up_log(callback=follow_up_of(first), outcome="reached", actor=agent, survey=GOOD)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        second = completed_job(engineer_user, appliance=first.appliance)
        callback = follow_up_of(second)
        assert callback.state == "skipped"
        assert callback.skip_reason == Callback.SkipReason.RECENTLY_SURVEYED
        ticket_close_if_done(ticket=second)  # the task the skip queued
    second.refresh_from_db()
    assert second.status == Status.CLOSED
    assert second.close_reason == CloseReason.CALLBACK_SKIPPED
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        third = completed_job(engineer_user, appliance=first.appliance)
        assert follow_up_of(third).state == "open"


def test_a_score_under_4_opens_exactly_one_deep_callback_for_a_supervisor(
    world, engineer_user, agent, supervisor
):
    ticket = completed_job(engineer_user)
    follow_up_log(
        callback=follow_up_of(ticket),
        outcome="reached",
        actor=agent,
        survey={**GOOD, "attitude": 3},
    )
    deep = Callback.objects.get(ticket=ticket, kind="deep")
    assert deep.due_at - deep.created_at == dt.timedelta(hours=24)
    assert callbacks_sweep()["deep"] == 0
    assert Callback.objects.filter(ticket=ticket, kind="deep").count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CALLBACK_DONE  # the deep callback keeps it open

    with pytest.raises(PermissionDenied):
        deep_callback_log(callback=deep, outcome="reached", result="apologised", actor=agent)
    deep_callback_log(
        callback=deep,
        outcome="reached",
        result="complaint_opened",
        note="Engineer was rude; complaint logged.",
        actor=supervisor,
    )
    deep.refresh_from_db()
    ticket.refresh_from_db()
    assert (deep.state, deep.result) == ("done", "complaint_opened")
    # "Complaint opened" opens one, for QA; the ticket stays open until it is closed.
    complaint = Complaint.objects.get(ticket=ticket)
    assert (complaint.source, complaint.source_ref) == ("callback", f"callback:{deep.pk}")
    assert complaint.description == "Engineer was rude; complaint logged."
    assert ticket.status == Status.CALLBACK_DONE
    qa = UserFactory(username="quinn", roles=["quality"])
    for to, extra in [
        ("assessed", {"severity": "low", "safety_risk": False}),
        ("investigating", {}),
        ("responded", {"findings": "Rude.", "response": "Apology.", "remedy_offered": "apology"}),
        ("accepted", {}),
        ("closed", {"root_cause": RootCause.values[0]}),
    ]:
        complaint_move(complaint=complaint, to=to, actor=qa, **extra)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED  # the complaint was all that kept it open


def test_scores_of_4_and_5_open_no_deep_callback(world, engineer_user, agent):
    ticket = completed_job(engineer_user)
    follow_up_log(
        callback=follow_up_of(ticket),
        outcome="reached",
        actor=agent,
        survey={**GOOD, "speed": 4},
    )
    assert not Callback.objects.filter(ticket=ticket, kind="deep").exists()


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_mark_each_due_retry_once(
    transactional_db, warranty_policies, area, engineer_user
):
    from callbacks.services.sweep import retry_due_sweep

    tickets = [completed_job(engineer_user) for _ in range(6)]
    now = timezone.now()
    Callback.objects.filter(ticket__in=tickets).update(
        attempts=1, next_attempt_at=now - dt.timedelta(seconds=5)
    )
    barrier, marked = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            marked.append(retry_due_sweep(now=now, batch=2))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(marked) == 6
    events = [
        e.data["callback_id"] for t in tickets for e in t.events.filter(kind="call_retry_due")
    ]
    assert len(events) == len(set(events)) == 6


def test_no_retry_is_scheduled_past_the_48_hour_window(world, engineer_user, agent):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        ticket = completed_job(engineer_user)
        callback = follow_up_of(ticket)
        traveller.shift(dt.timedelta(hours=45))
        follow_up_log(callback=callback, outcome="no_answer", actor=agent)
        callback.refresh_from_db()
        assert callback.next_attempt_at == start + dt.timedelta(hours=47)  # still inside
        traveller.shift(dt.timedelta(hours=2))
        follow_up_log(callback=callback, outcome="busy", actor=agent)  # a third would be at 49 h
    callback.refresh_from_db()
    assert callback.state == "unreachable" and callback.attempts == 2
    ticket.refresh_from_db()
    assert ticket.close_reason == CloseReason.CALLBACK_UNREACHABLE


@pytest.mark.parametrize("score", ["speed", "attitude", "quality"])
def test_any_score_under_4_from_the_customers_own_rating_opens_one_deep_callback(
    world, engineer_user, score
):
    from callbacks.services.surveys import survey_submit

    ticket = completed_job(engineer_user)
    survey_submit(ticket=ticket, channel="sms_code", answers={**GOOD, score: 3})
    deep = Callback.objects.get(ticket=ticket, kind="deep")
    assert deep.state == "open" and deep.source_id is None
    assert callbacks_sweep()["deep"] == 0
    assert Callback.objects.filter(ticket=ticket, kind="deep").count() == 1
    assert ticket.events.filter(kind="deep_callback_opened").count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CALLBACK_DONE  # the supervisor's call keeps it open


def test_the_survey_gap_is_the_policys(world, engineer_user, agent):
    from callbacks.models import CallbackPolicy

    CallbackPolicy.objects.update(survey_gap_days=2)
    first = completed_job(engineer_user)
    follow_up_log(callback=follow_up_of(first), outcome="reached", actor=agent, survey=GOOD)
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert follow_up_of(completed_job(engineer_user, appliance=first.appliance)).state == (
            "skipped"
        )
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        later = follow_up_of(completed_job(engineer_user, appliance=first.appliance))
        assert later.state == "open"
        assert OutboundMessage.objects.filter(ticket=later.ticket, purpose="rating").exists()
