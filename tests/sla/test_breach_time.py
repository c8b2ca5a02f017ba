"""A breach happens at the deadline; escalation levels count from it, whatever the sweep's lag.
Notifications never wait past the deadline they warn about."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.factories import UserFactory
from tests.sla.conftest import MONDAY_10, SHANGHAI, assign, clock, make_ticket
from tickets.models import EscalationLevel, OutboundMessage, SlaClock, SlaNotification, TicketEvent
from tickets.sla.services import sla_sweep, ticket_change_priority

S = SlaClock.State
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def t0():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def _levels_at(policy, delays):
    for level, delay in zip((1, 2, 3), delays, strict=True):
        EscalationLevel.objects.filter(policy=policy, level=level).update(delay_minutes=delay)


def _escalated_levels(accept):
    return sorted(
        TicketEvent.objects.filter(kind="sla_escalated", data__clock_id=accept.pk).values_list(
            "data__level", flat=True
        )
    )


@pytest.mark.django_db
def test_breach_is_recorded_at_the_deadline_and_the_sweeps_lag_apart(sla_world, t0, engineer_user):
    ticket = make_ticket()
    assign(ticket, engineer_user)
    t0.shift(dt.timedelta(minutes=25))  # the sweep was down: the 10-minute accept is late
    sla_sweep()
    accept = clock(ticket, "accept")
    assert accept.state == S.BREACHED
    assert accept.breached_at == MONDAY_10 + 10 * MINUTE
    assert accept.breach_noticed_at == timezone.now()
    assert accept.breach_lag_seconds == 15 * 60
    event = TicketEvent.objects.get(kind="sla_breached", data__clock_id=accept.pk)
    assert dt.datetime.fromisoformat(event.data["breached_at"]) == MONDAY_10 + 10 * MINUTE
    assert event.data["lag_seconds"] == 900


@pytest.mark.django_db
def test_the_board_shows_a_breach_noticed_late(client, supervisor, sla_world, t0, engineer_user):
    ticket = make_ticket()
    assign(ticket, engineer_user)
    t0.shift(dt.timedelta(minutes=25))
    sla_sweep()
    client.force_login(supervisor)
    html = client.get("/board/", {"state": "breached"}).content.decode()
    row = html[html.index(f'data-clock="{clock(ticket, "accept").pk}"') :]
    assert "15 min overdue" in row[:600] and "noticed 15 min after the deadline" in row[:600]


@pytest.mark.django_db
def test_after_a_15_minute_outage_levels_keep_their_schedule_from_the_breach(
    sla_world, t0, engineer_user, dispatcher, supervisor
):
    UserFactory(username="ada", roles=["admin"])
    ticket = make_ticket()
    assign(ticket, engineer_user)
    _levels_at(clock(ticket, "accept").policy, (0, 30, 60))
    breach = MONDAY_10 + 10 * MINUTE
    t0.move_to(breach + 15 * MINUTE)  # the outage ends
    sla_sweep()
    accept = clock(ticket, "accept")
    assert _escalated_levels(accept) == [1]
    assert accept.escalation.next_level_at == breach + 30 * MINUTE
    t0.move_to(breach + 30 * MINUTE - dt.timedelta(seconds=1))
    sla_sweep()
    assert _escalated_levels(accept) == [1]
    t0.move_to(breach + 30 * MINUTE)  # not 30 minutes after the sweep noticed it
    sla_sweep()
    assert _escalated_levels(accept) == [1, 2]
    assert SlaNotification.objects.filter(purpose="escalation_l2", user=supervisor).exists()
    t0.move_to(breach + 60 * MINUTE)
    sla_sweep()
    sla_sweep()
    assert _escalated_levels(accept) == [1, 2, 3]


@pytest.mark.django_db
def test_after_a_long_outage_every_level_due_fires_once_at_recovery(
    sla_world, t0, engineer_user, dispatcher, supervisor
):
    UserFactory(username="ada", roles=["admin"])
    ticket = make_ticket()
    assign(ticket, engineer_user)
    _levels_at(clock(ticket, "accept").policy, (0, 30, 60))
    breach = MONDAY_10 + 10 * MINUTE
    t0.move_to(breach + 45 * MINUTE)
    sla_sweep()
    sla_sweep()
    accept = clock(ticket, "accept")
    assert _escalated_levels(accept) == [1, 2]
    assert SlaNotification.objects.filter(purpose="escalation_l1", clock=accept).count() == 1
    assert SlaNotification.objects.filter(purpose="escalation_l2", clock=accept).count() == 1
    t0.move_to(breach + 60 * MINUTE)
    sla_sweep()
    assert _escalated_levels(accept) == [1, 2, 3]


@pytest.mark.django_db
def test_a_recompute_past_the_new_target_breaches_at_the_recompute(sla_world, t0, agent):
    ticket = make_ticket()  # normal: 4 h to arrive
    t0.shift(dt.timedelta(hours=3))
    changed_at = timezone.now()
    ticket_change_priority(ticket=ticket, priority="emergency", actor=agent, reason="gas smell")
    t0.shift(MINUTE)
    sla_sweep()
    arrival = clock(ticket, "arrival")
    assert arrival.state == S.BREACHED
    # Neither the emergency deadline an hour ago nor the sweep a minute later.
    assert arrival.breached_at == changed_at
    assert arrival.breach_noticed_at == timezone.now()


@pytest.mark.django_db
def test_recomputed_clock_keeps_sub_second_used_time(sla_world, t0, agent):
    ticket = make_ticket()
    t0.shift(dt.timedelta(minutes=90, milliseconds=400))
    ticket_change_priority(ticket=ticket, priority="emergency", actor=agent, reason="sparks")
    arrival = clock(ticket, "arrival")
    assert arrival.used_seconds == pytest.approx(5400.4)
    assert arrival.due_at == timezone.now() + dt.timedelta(minutes=30) - dt.timedelta(
        milliseconds=400
    )


@pytest.mark.django_db
def test_a_lunchtime_warning_goes_before_its_deadline_not_after_lunch(sla_world, dispatcher):
    # Staff hours 08-12 and 13-20. A normal arrival (4 h) opened at 09:00 warns at 12:00
    # and is due at 13:00: held for "after lunch" it would arrive with the breach.
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), tick=False) as t:
        ticket = make_ticket()
        t.shift(dt.timedelta(hours=3, seconds=1))
        sla_sweep()
        note = SlaNotification.objects.get(
            ticket=ticket, purpose="sla_warning", clock__kind="arrival"
        )
        assert note.not_before == timezone.now()
        assert note.sent_at is not None
        assert OutboundMessage.objects.filter(ticket=ticket, purpose="sla_warning").exists()


@pytest.mark.django_db
def test_a_night_warning_with_its_deadline_well_after_the_morning_waits(sla_world, dispatcher):
    # Completion (48 h, warns at 36 h): opened Monday 10:00, warns Tuesday 22:00, due
    # Wednesday 10:00. The staff are back at 08:00 with two hours left: it waits for them.
    with time_machine.travel(MONDAY_10, tick=False) as t:
        ticket = make_ticket()
        t.move_to(dt.datetime(2026, 3, 3, 22, 0, 1, tzinfo=SHANGHAI))
        sla_sweep()
        note = SlaNotification.objects.get(
            ticket=ticket, purpose="sla_warning", clock__kind="completion"
        )
        assert note.not_before == dt.datetime(2026, 3, 4, 8, 0, tzinfo=SHANGHAI)
        assert note.sent_at is None


@pytest.mark.django_db
def test_the_policy_says_what_waits_for_the_morning(sla_world, dispatcher):
    night = dt.datetime(2026, 3, 2, 19, 50, tzinfo=SHANGHAI)
    with time_machine.travel(night, tick=False) as t:
        ticket = make_ticket()
        policy = clock(ticket, "arrival").policy
        policy.hold_escalations = False
        policy.save()
        t.shift(dt.timedelta(hours=4, seconds=1))  # 23:50, breached
        sla_sweep()
        note = SlaNotification.objects.get(ticket=ticket, purpose="escalation_l1")
        assert note.sent_at is not None  # this policy reports breaches day and night
