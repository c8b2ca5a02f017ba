"""A complaint's ISO 10002 steps: received and acknowledged at once (SMS), then assessed,
investigated, responded to, accepted or not, closed with a root cause, reopened."""

import datetime as dt

import pytest
from django.db import InternalError, transaction

from callbacks.models import Complaint, ComplaintStep
from callbacks.services.complaints import complaint_move, complaint_open
from tickets import hooks
from tickets.errors import DomainError, PermissionDenied, TransitionNotAllowed
from tickets.models import OutboundMessage, TicketEvent
from tickets.sla.models import SlaClock

pytestmark = pytest.mark.django_db
S = Complaint.State


def open_one(ticket, actor, **kw):
    return complaint_open(
        ticket=ticket,
        source=kw.pop("source", "agent"),
        remedy_wanted=kw.pop("remedy_wanted", "revisit"),
        description=kw.pop("description", "The fridge still does not cool and he was rude."),
        actor=actor,
        **kw,
    )


def walk_to_responded(complaint, qa):
    complaint_move(complaint=complaint, to=S.ASSESSED, actor=qa, severity="high", safety_risk=False)
    complaint_move(complaint=complaint, to=S.INVESTIGATING, actor=qa)
    complaint_move(
        complaint=complaint,
        to=S.RESPONDED,
        actor=qa,
        findings="Engineer skipped the test run.",
        response="We will send a senior engineer tomorrow, free of charge.",
        remedy_offered="revisit",
    )
    return complaint


def test_opening_acknowledges_at_once_with_an_sms_and_starts_both_clocks(ticket_a, agent_a):
    complaint = open_one(ticket_a, agent_a)
    assert complaint.state == S.ACKNOWLEDGED
    assert [s.step for s in complaint.steps.all()] == ["received", "acknowledged"]
    assert complaint.steps.first().data["remedy_wanted"] == "revisit"
    sms = OutboundMessage.objects.get(purpose="complaint_acknowledgement")
    assert sms.to == ticket_a.customer.mobile and complaint.reference in sms.body
    clocks = {c.kind: c for c in SlaClock.objects.filter(ticket=ticket_a, ref=str(complaint.pk))}
    response, solution = clocks["complaint_response"], clocks["complaint_resolution"]
    assert response.state == solution.state == "running"
    assert response.due_at - response.started_at == dt.timedelta(hours=24)
    assert solution.due_at - solution.started_at == dt.timedelta(hours=72)
    kinds = list(TicketEvent.objects.filter(ticket=ticket_a).values_list("kind", flat=True))
    assert "complaint_opened" in kinds and "complaint_acknowledged" in kinds


def test_first_response_meets_the_first_clock_and_the_close_meets_the_solution(
    ticket_a, agent_a, qa
):
    complaint = walk_to_responded(open_one(ticket_a, agent_a), qa)
    clocks = {c.kind: c for c in SlaClock.objects.filter(ticket=ticket_a, ref=str(complaint.pk))}
    assert clocks["complaint_response"].state == "met"
    assert clocks["complaint_resolution"].state == "running"
    complaint_move(complaint=complaint, to=S.ACCEPTED, actor=agent_a, note="Customer agrees")
    complaint_move(complaint=complaint, to=S.CLOSED, actor=qa, root_cause="workmanship")
    solution = SlaClock.objects.get(ticket=ticket_a, kind="complaint_resolution")
    assert solution.state == "met"
    complaint.refresh_from_db()
    assert complaint.owner == qa and complaint.root_cause == "workmanship" and complaint.closed_at
    assert [s.step for s in complaint.steps.all()] == [
        "received",
        "acknowledged",
        "assessed",
        "investigating",
        "responded",
        "accepted",
        "closed",
    ]


def test_moves_outside_the_table_or_the_role_are_refused(ticket_a, agent_a, qa):
    complaint = open_one(ticket_a, agent_a)
    with pytest.raises(TransitionNotAllowed):
        complaint_move(
            complaint=complaint, to=S.RESPONDED, actor=qa, response="x", remedy_offered="apology"
        )
    with pytest.raises(PermissionDenied):
        complaint_move(complaint=complaint, to=S.ASSESSED, actor=agent_a, severity="low")
    with pytest.raises(DomainError) as err:
        complaint_move(complaint=complaint, to=S.ASSESSED, actor=qa, severity="")
    assert err.value.field == "severity"
    complaint.refresh_from_db()
    assert complaint.state == S.ACKNOWLEDGED and complaint.steps.count() == 2


def test_the_steps_need_their_facts(ticket_a, agent_a, qa):
    complaint = open_one(ticket_a, agent_a)
    complaint_move(complaint=complaint, to=S.ASSESSED, actor=qa, severity="low")
    complaint_move(complaint=complaint, to=S.INVESTIGATING, actor=qa)
    with pytest.raises(DomainError) as err:
        complaint_move(
            complaint=complaint, to=S.RESPONDED, actor=qa, response="", remedy_offered="apology"
        )
    assert err.value.field == "response"
    walk = complaint_move(
        complaint=complaint, to=S.RESPONDED, actor=qa, response="Sorry.", remedy_offered="apology"
    )
    complaint_move(complaint=walk, to=S.REJECTED, actor=qa)
    with pytest.raises(DomainError) as err:
        complaint_move(complaint=complaint, to=S.CLOSED, actor=qa, root_cause="")
    assert err.value.field == "root_cause"


def test_reopen_needs_a_reason_and_starts_a_new_solution_clock(ticket_a, agent_a, qa):
    complaint = walk_to_responded(open_one(ticket_a, agent_a), qa)
    complaint_move(complaint=complaint, to=S.REJECTED, actor=agent_a)
    complaint_move(complaint=complaint, to=S.CLOSED, actor=qa, root_cause="not_substantiated")
    with pytest.raises(DomainError) as err:
        complaint_move(complaint=complaint, to=S.INVESTIGATING, actor=agent_a)
    assert err.value.field == "note"
    complaint_move(
        complaint=complaint,
        to=S.INVESTIGATING,
        actor=agent_a,
        owner=qa,
        note="The customer called again: still broken.",
    )
    complaint.refresh_from_db()
    assert complaint.state == S.INVESTIGATING and complaint.cycle == 2
    assert complaint.steps.last().step == "reopened"
    solutions = SlaClock.objects.filter(ticket=ticket_a, kind="complaint_resolution")
    assert sorted(solutions.values_list("state", flat=True)) == ["met", "running"]
    assert TicketEvent.objects.filter(ticket=ticket_a, kind="complaint_reopened").exists()


def test_steps_are_append_only_in_the_model_and_the_database(ticket_a, agent_a):
    complaint = open_one(ticket_a, agent_a)
    step = complaint.steps.first()
    with pytest.raises(ValueError):
        step.save()
    with pytest.raises(InternalError), transaction.atomic():
        ComplaintStep.objects.filter(pk=step.pk).update(note="rewritten")


def test_an_open_complaint_blocks_closing_the_ticket_until_it_is_closed(ticket_a, agent_a, qa):
    assert hooks.close_blockers(ticket=ticket_a) == []
    complaint = walk_to_responded(open_one(ticket_a, agent_a), qa)
    assert hooks.close_blockers(ticket=ticket_a) == ["open_complaint"]
    complaint_move(complaint=complaint, to=S.ACCEPTED, actor=qa)
    assert hooks.close_blockers(ticket=ticket_a) == ["open_complaint"]
    complaint_move(complaint=complaint, to=S.CLOSED, actor=qa, root_cause="workmanship")
    assert hooks.close_blockers(ticket=ticket_a) == []


def test_the_callback_side_opens_through_the_service_once_per_source_ref(
    done_job, agent_a, engineer_user
):
    from engineers.models import Engineer, ServicePoint

    point = ServicePoint.objects.create(name="Shinan point", lat=36.07, lng=120.38)
    Engineer.objects.create(
        user=engineer_user,
        service_point=point,
        certification_expires_on=dt.date(2030, 1, 1),
        home_lat=36.07,
        home_lng=120.38,
    )
    first = open_one(done_job, None, source="callback", source_ref="callback:7", part_batch="B-1")
    again = open_one(done_job, None, source="callback", source_ref="callback:7")
    assert first.pk == again.pk and Complaint.objects.count() == 1
    # Linked to whoever did the job and their service point.
    assert first.engineer.user == engineer_user and first.service_point == point
    assert first.part_batch == "B-1"


def test_unknown_codes_and_long_text_are_refused_naming_the_field(ticket_a, agent_a):
    with pytest.raises(DomainError) as err:
        open_one(ticket_a, agent_a, remedy_wanted="a pony")
    assert err.value.field == "remedy_wanted"
    with pytest.raises(DomainError) as err:
        open_one(ticket_a, agent_a, description="x" * 2001)
    assert err.value.field == "description"
    with pytest.raises(PermissionDenied):
        open_one(ticket_a, agent_a, source="customer")
    assert not Complaint.objects.exists()
