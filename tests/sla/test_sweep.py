"""The sweep: warnings, breaches, escalation levels, quiet hours, re-dispatch; exactly once."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from tests.factories import UserFactory
from tests.sla.conftest import MONDAY_10, SHANGHAI, assign, clock, make_ticket, move
from tickets.errors import DomainError
from tickets.lifecycle import Status
from tickets.models import (
    OutboundMessage,
    SlaClock,
    SlaEscalation,
    SlaNotification,
    TicketEvent,
)
from tickets.sla.services import (
    escalation_acknowledge,
    sla_redispatch_breached,
    sla_sweep,
    ticket_change_priority,
)

S = SlaClock.State


@pytest.fixture
def t0():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
def test_warning_at_75_percent_notifies_engineer_and_dispatcher_once(
    sla_world, t0, engineer_user, dispatcher
):
    ticket = make_ticket()
    assign(ticket, engineer_user)
    t0.shift(dt.timedelta(minutes=7))
    assert sla_sweep()["warned"] == 0
    t0.shift(dt.timedelta(seconds=31))  # 7.5 of 10 minutes used
    assert sla_sweep()["warned"] == 1  # the accept clock; contact warns at 22.5 min
    notes = SlaNotification.objects.filter(purpose="sla_warning")
    assert {n.user_id for n in notes} == {engineer_user.pk, dispatcher.pk}
    assert OutboundMessage.objects.filter(purpose="sla_warning").count() == 2
    assert sla_sweep() == {k: 0 for k in sla_sweep()}
    assert OutboundMessage.objects.filter(purpose="sla_warning").count() == 2


@pytest.mark.django_db
def test_sweep_is_idempotent(sla_world, t0, engineer_user):
    tickets = [make_ticket() for _ in range(3)]
    for ticket in tickets:
        assign(ticket, engineer_user)
    t0.shift(dt.timedelta(hours=5))
    first = sla_sweep()
    assert first["breached"] == 9  # accept, contact, arrival of each
    snapshot = list(SlaClock.objects.order_by("pk").values("pk", "state", "breached_at"))
    events = TicketEvent.objects.count()
    second = sla_sweep()
    assert second["breached"] == 0 and second["warned"] == 0
    assert list(SlaClock.objects.order_by("pk").values("pk", "state", "breached_at")) == snapshot
    assert TicketEvent.objects.count() == events
    assert SlaEscalation.objects.count() == 9


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_in_two_threads_act_once(
    transactional_db, warranty_policies, area, engineer_user
):
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        tickets = [make_ticket() for _ in range(20)]
        for ticket in tickets:
            assign(ticket, engineer_user)
        traveller.shift(dt.timedelta(hours=5))
        results, barrier = [], threading.Barrier(2)

        def run():
            # Each worker sweeps until a pass finds nothing: rows the other holds are skipped,
            # and follow-up steps may yield to the next sweep; none may be done twice.
            try:
                barrier.wait()
                while True:
                    counts = sla_sweep(batch=7)
                    results.append(counts)
                    if not any(counts.values()):
                        break
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        results.append(sla_sweep(batch=7))
    assert sum(r["breached"] for r in results) == 60
    assert TicketEvent.objects.filter(kind="sla_breached").count() == 60
    assert SlaEscalation.objects.count() == 60
    # Every level already due (counted from each breach) fired exactly once.
    escalated = list(
        TicketEvent.objects.filter(kind="sla_escalated").values_list(
            "data__clock_id", "data__level"
        )
    )
    assert len(escalated) == len(set(escalated))
    assert sum(1 for _clock, level in escalated if level == 1) == 60
    # Each ticket went back to dispatch once, though both its clocks breached.
    assert (
        TicketEvent.objects.filter(kind="status", to_status="awaiting_dispatch", actor=None)
        .exclude(from_status="new")
        .count()
        == 20
    )


@pytest.mark.django_db
def test_escalation_walks_levels_after_their_delays_until_acknowledged(
    sla_world, t0, dispatcher, supervisor
):
    admin_user = UserFactory(username="ada", roles=["admin"])
    ticket = make_ticket(priority="emergency")
    t0.shift(dt.timedelta(hours=2, seconds=1))
    sla_sweep()
    esc = SlaEscalation.objects.get(clock__kind="arrival")
    assert esc.level == 1  # level 1 (dispatcher) has no delay
    assert set(
        SlaNotification.objects.filter(purpose="escalation_l1").values_list("user_id", flat=True)
    ) == {dispatcher.pk}
    t0.shift(dt.timedelta(minutes=29))
    sla_sweep()
    esc.refresh_from_db()
    assert esc.level == 1
    t0.shift(dt.timedelta(minutes=1))
    sla_sweep()
    esc.refresh_from_db()
    assert esc.level == 2
    assert SlaNotification.objects.filter(purpose="escalation_l2", user=supervisor).exists()
    with pytest.raises(DomainError) as err:
        escalation_acknowledge(escalation=esc, actor=supervisor, note="  ")
    assert err.value.field == "note"
    escalation_acknowledge(escalation=esc, actor=supervisor, note="Sent Wang from the next town")
    t0.shift(dt.timedelta(hours=3))
    sla_sweep()
    esc.refresh_from_db()
    assert esc.level == 2 and esc.acknowledged_by == supervisor
    assert not SlaNotification.objects.filter(purpose="escalation_l3").exists()
    assert not SlaNotification.objects.filter(user=admin_user).exists()
    ack = TicketEvent.objects.get(ticket=ticket, kind="sla_escalation_acknowledged")
    assert ack.reason == "Sent Wang from the next town"


@pytest.mark.django_db
def test_quiet_hours_hold_non_emergency_notifications_until_morning(sla_world, dispatcher):
    night = dt.datetime(2026, 3, 2, 19, 50, tzinfo=SHANGHAI)
    with time_machine.travel(night, tick=False) as traveller:
        normal = make_ticket()
        emergency = make_ticket(priority="emergency")
        traveller.shift(dt.timedelta(hours=4, seconds=1))  # 23:50
        sla_sweep()
        held = SlaNotification.objects.get(ticket=normal, purpose="escalation_l1")
        assert held.sent_at is None
        assert held.not_before == dt.datetime(2026, 3, 3, 8, 0, tzinfo=SHANGHAI)
        assert SlaNotification.objects.get(ticket=emergency, purpose="escalation_l1").sent_at
        assert not OutboundMessage.objects.filter(ticket=normal, purpose="escalation_l1").exists()
        traveller.move_to(dt.datetime(2026, 3, 3, 8, 0, 5, tzinfo=SHANGHAI))
        sla_sweep()
        assert OutboundMessage.objects.filter(ticket=normal, purpose="escalation_l1").count() == 1


@pytest.mark.django_db
def test_breached_contact_hands_the_job_back_to_dispatch_once(sla_world, t0, engineer_user):
    ticket = make_ticket()
    assign(ticket, engineer_user)
    move(ticket, Status.ACCEPTED, engineer_user)
    t0.shift(dt.timedelta(minutes=30, seconds=1))
    counts = sla_sweep()
    assert counts["breached"] == 1 and counts["handed_back"] == 1
    contact = clock(ticket, "contact")
    assert contact.state == S.BREACHED and contact.followed_up_at == timezone.now()
    ticket.refresh_from_db()
    # Back in the dispatch queue (the dispatch app may already have tried the next engineer).
    assert ticket.status in (Status.AWAITING_DISPATCH, Status.ASSIGNED)
    event = TicketEvent.objects.get(ticket=ticket, kind="status", from_status=Status.ACCEPTED)
    # The reason is a code with its facts, put into words when shown (tickets.timeline).
    assert event.to_status == Status.AWAITING_DISPATCH and event.reason == ""
    assert event.data["sla_clock"] == "contact"
    assert event.data["reason_code"] in ("contact_breach", "sla_breached")
    assert sla_sweep()["handed_back"] == 0
    assert sla_redispatch_breached(clock_id=contact.pk) is False  # run twice: no effect
    handed_back = TicketEvent.objects.filter(
        ticket=ticket, kind="status", from_status=Status.ACCEPTED, to_status="awaiting_dispatch"
    )
    assert handed_back.count() == 1


@pytest.mark.django_db
def test_breach_after_arrival_does_not_take_the_job_away(sla_world, t0, engineer_user):
    ticket = make_ticket()
    assign(ticket, engineer_user)
    move(ticket, Status.ACCEPTED, engineer_user)
    move(ticket, Status.EN_ROUTE, engineer_user)
    move(ticket, Status.ON_SITE, engineer_user)  # no call logged: contact still runs
    t0.shift(dt.timedelta(minutes=31))
    sla_sweep()
    assert clock(ticket, "contact").state == S.BREACHED
    ticket.refresh_from_db()
    assert ticket.status == Status.ON_SITE


@pytest.mark.django_db
def test_priority_change_recomputes_keeping_used_time(sla_world, t0, agent):
    ticket = make_ticket()
    t0.shift(dt.timedelta(minutes=90))
    ticket_change_priority(ticket=ticket, priority="emergency", actor=agent, reason="sparks")
    arrival = clock(ticket, "arrival")
    assert arrival.used_seconds == 90 * 60
    assert arrival.due_at == timezone.now() + dt.timedelta(minutes=30)
    event = TicketEvent.objects.get(ticket=ticket, kind="sla_recomputed")
    assert event.reason == "sparks"
    kinds = {c["kind"] for c in event.data["clocks"]}
    assert {"arrival", "completion"} <= kinds


@pytest.mark.django_db
def test_priority_change_keeps_pauses(sla_world, t0, agent):
    from tickets.services import ticket_event_record

    ticket = make_ticket()
    t0.shift(dt.timedelta(hours=1))
    ticket_event_record(
        ticket=ticket, kind="customer_postponed", data={"reason": "away"}, actor=agent
    )
    t0.shift(dt.timedelta(hours=10))
    ticket_change_priority(ticket=ticket, priority="emergency", actor=agent, reason="gas smell")
    arrival = clock(ticket, "arrival")
    assert arrival.state == S.PAUSED and arrival.used_seconds == 3600
    move(ticket, Status.ASSIGNED, None)
    # Resuming later: 1 h of the 2 h emergency budget is left.
    t0.shift(dt.timedelta(hours=1))
    from tickets.sla.services import clock_resume

    clock_resume(clock=arrival, now=timezone.now())
    assert arrival.due_at == timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(DomainError):
        ticket_change_priority(ticket=ticket, priority="normal", actor=agent, reason="")
