"""Real concurrent sessions: a retried open from the callback side makes one complaint, and
concurrent sweeps hand a missed deadline to the owner once."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from callbacks.models import Complaint, ComplaintStep
from callbacks.services.complaints import complaint_escalations_sweep, complaint_open
from tests.factories import ServiceAreaFactory, UserFactory, WarrantyPolicyFactory
from tickets.models import OutboundMessage
from tickets.sla.services import sla_sweep

from .conftest import ticket_in


def _world():
    WarrantyPolicyFactory(category="fridge", whole_unit_months=12)
    UserFactory(username="quinn", roles=["quality"])
    return ticket_in(ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao"))


def _in_threads(fn, n=4):
    def run(_):
        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


@pytest.mark.django_db(transaction=True)
def test_concurrent_opens_with_one_source_ref_make_one_complaint():
    ticket = _world()
    ids = _in_threads(
        lambda: (
            complaint_open(
                ticket=ticket,
                source="callback",
                remedy_wanted="revisit",
                description="Survey: not fixed.",
                actor=None,
                source_ref="callback:9",
            ).pk
        )
    )
    assert len(set(ids)) == 1 and Complaint.objects.count() == 1
    assert OutboundMessage.objects.filter(purpose="complaint_acknowledgement").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_escalate_a_breach_once():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        ticket = _world()
        complaint_open(
            ticket=ticket,
            source="agent",
            remedy_wanted="apology",
            description="Rude engineer.",
            actor=UserFactory(username="anna", roles=["agent"]),
        )
        traveller.shift(dt.timedelta(hours=25))
        sla_sweep()
        done = _in_threads(complaint_escalations_sweep)
    assert sum(done) == 1
    assert ComplaintStep.objects.filter(step="escalated").count() == 1
    assert OutboundMessage.objects.filter(purpose="complaint_escalation").count() == 1
