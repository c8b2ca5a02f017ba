"""The two complaint clocks: started on receipt, met by the first response and by the close,
escalated when missed: the SLA sweep's chain (dispatchers, then supervisors) plus the
complaint's own history and its QA owner."""

import datetime as dt

import pytest
import time_machine

from callbacks.models import Complaint
from callbacks.services.complaints import complaint_escalations_sweep, complaint_move
from tickets.models import OutboundMessage, TicketEvent
from tickets.sla.models import SlaClock, SlaNotification
from tickets.sla.services import sla_sweep

from .test_complaint_steps import open_one, walk_to_responded

pytestmark = pytest.mark.django_db
S = Complaint.State
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def _clock(complaint, kind):
    return SlaClock.objects.get(ticket=complaint.ticket, kind=kind, ref=str(complaint.pk))


def test_a_missed_first_response_warns_breaches_and_escalates_once(
    warranty_policies, area_a, agent_a, qa, supervisor
):
    from .conftest import ticket_in

    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        ticket = ticket_in(area_a)
        complaint = open_one(ticket, agent_a)
        complaint_move(complaint=complaint, to=S.ASSESSED, actor=qa, severity="medium")
        complaint_move(complaint=complaint, to=S.INVESTIGATING, actor=qa)

        traveller.shift(dt.timedelta(hours=19))  # past 75% of the 24 hours
        sla_sweep()
        assert SlaNotification.objects.filter(
            user=supervisor, purpose="sla_warning", clock=_clock(complaint, "complaint_response")
        ).exists()

        traveller.shift(dt.timedelta(hours=6))  # 25 h: missed
        sla_sweep()
        assert _clock(complaint, "complaint_response").state == "breached"
        assert _clock(complaint, "complaint_resolution").state == "running"
        assert complaint_escalations_sweep() == 1
        assert complaint_escalations_sweep() == 0  # once
        complaint.refresh_from_db()
        assert complaint.response_escalated_at is not None
        escalated = complaint.steps.filter(step="escalated")
        assert escalated.count() == 1 and escalated.get().data == {"clock": "complaint_response"}
        assert TicketEvent.objects.filter(ticket=ticket, kind="complaint_escalated").count() == 1
        to_owner = OutboundMessage.objects.filter(purpose="complaint_escalation")
        assert to_owner.count() == 1 and complaint.reference in to_owner.get().body

        traveller.shift(dt.timedelta(minutes=31))  # the chain's supervisor level
        sla_sweep()
        assert SlaNotification.objects.filter(user=supervisor, purpose="escalation_l2").exists()


def test_a_response_in_time_and_a_close_in_time_escalate_nothing(
    warranty_policies, area_a, agent_a, qa
):
    from .conftest import ticket_in

    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        ticket = ticket_in(area_a)
        complaint = open_one(ticket, agent_a)
        traveller.shift(dt.timedelta(hours=23))
        walk_to_responded(complaint, qa)
        assert _clock(complaint, "complaint_response").state == "met"
        traveller.shift(dt.timedelta(hours=48))  # 71 h
        complaint_move(complaint=complaint, to=S.ACCEPTED, actor=qa)
        complaint_move(complaint=complaint, to=S.CLOSED, actor=qa, root_cause="communication")
        assert _clock(complaint, "complaint_resolution").state == "met"
        traveller.shift(dt.timedelta(hours=10))
        sla_sweep()
        assert complaint_escalations_sweep() == 0
        assert not SlaClock.objects.filter(
            ticket=ticket, kind__startswith="complaint", state="breached"
        ).exists()


def test_a_missed_solution_escalates_to_every_qa_user_while_nobody_owns_it(
    warranty_policies, area_a, agent_a, qa, qa2
):
    from .conftest import ticket_in

    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        ticket = ticket_in(area_a)
        complaint = open_one(ticket, agent_a)
        traveller.shift(dt.timedelta(hours=73))
        sla_sweep()
        assert _clock(complaint, "complaint_resolution").state == "breached"
        assert complaint_escalations_sweep() == 2  # the response and the solution
        messages = OutboundMessage.objects.filter(purpose="complaint_escalation")
        assert sorted(messages.values_list("to", flat=True)) == sorted(
            [qa.username, qa.username, qa2.username, qa2.username]
        )
