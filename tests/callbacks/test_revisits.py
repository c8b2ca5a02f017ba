"""Item 5: repeat faults get a free revisit, linked to the first job and charged back."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from callbacks.models import Revisit
from callbacks.services.call_logging import follow_up_log
from callbacks.services.revisits import revisit_check_repeat
from engineers.models import Engineer, ServicePoint
from tickets import hooks
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.onsite.models import Diagnosis
from tickets.services import ticket_transition

from .conftest import GOOD, completed_job, follow_up_of, new_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs_point(world, engineer_user):
    point = ServicePoint.objects.create(name="Shinan service point", stars=4, lat=36.07, lng=120.38)
    Engineer.objects.create(
        user=engineer_user,
        service_point=point,
        certification_expires_on=timezone.localdate() + dt.timedelta(days=365),
        home_lat=36.07,
        home_lng=120.38,
    )
    return point


def diagnose(ticket, engineer, fault="not_cooling"):
    Diagnosis.objects.create(
        ticket=ticket, engineer=engineer, fault=fault, cause="thermostat", fault_class="standard"
    )


def test_not_fixed_in_the_survey_opens_a_free_linked_revisit_charged_back(
    bobs_point, engineer_user, agent
):
    first = completed_job(engineer_user)
    follow_up_log(
        callback=follow_up_of(first),
        outcome="reached",
        actor=agent,
        survey={**GOOD, "fixed": False},
    )
    link = Revisit.objects.get(original=first)
    revisit = link.revisit
    assert link.reason == "not_fixed"
    assert revisit.related_ticket_id == first.pk
    assert revisit.appliance_id == first.appliance_id
    assert revisit.status == Status.AWAITING_DISPATCH
    assert hooks.charge_waivers(ticket=revisit) == ["free_revisit"]
    assert hooks.charge_waivers(ticket=first) == []
    assert link.chargeback_engineer_id == engineer_user.pk
    assert link.chargeback_service_point_id == bobs_point.pk
    event = revisit.events.get(kind="revisit_opened")
    assert event.data["dispatch_first"] is True
    assert event.data["avoid_engineer_user_id"] == engineer_user.pk


def test_an_out_of_warranty_revisit_needs_no_fee_acceptance(world, engineer_user, agent):
    first = completed_job(engineer_user)
    first.appliance.purchase_date = timezone.localdate() - dt.timedelta(days=5 * 365)
    first.appliance.save()
    follow_up_log(
        callback=follow_up_of(first),
        outcome="reached",
        actor=agent,
        survey={**GOOD, "fixed": False},
    )
    revisit = Revisit.objects.get(original=first).revisit
    assert not revisit.in_warranty
    assert revisit.status == Status.AWAITING_DISPATCH


def test_same_fault_on_the_same_appliance_within_30_days_is_a_free_revisit(
    world, engineer_user, engineer_user2
):
    first = completed_job(engineer_user)
    diagnose(first, engineer_user)
    with time_machine.travel(timezone.now() + dt.timedelta(days=29)):
        again = new_ticket(appliance=first.appliance)
        diagnose(again, engineer_user2)
        link = revisit_check_repeat(ticket_id=again.pk)
    assert link is not None and link.reason == "repeat_fault"
    assert (link.original_id, link.revisit_id) == (first.pk, again.pk)
    assert hooks.charge_waivers(ticket=Ticket.objects.get(pk=again.pk)) == ["free_revisit"]
    assert revisit_check_repeat(ticket_id=again.pk) is None  # once
    assert Revisit.objects.count() == 1


def test_same_fault_just_outside_the_window_is_a_new_paid_job(world, engineer_user):
    first = completed_job(engineer_user)
    diagnose(first, engineer_user)
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        again = new_ticket(appliance=first.appliance)
        diagnose(again, engineer_user)
        assert revisit_check_repeat(ticket_id=again.pk) is None
    assert not Revisit.objects.exists()


def test_another_fault_within_the_window_is_not_a_revisit(world, engineer_user):
    first = completed_job(engineer_user)
    diagnose(first, engineer_user)
    again = new_ticket(appliance=first.appliance)
    diagnose(again, engineer_user, fault="noise")
    assert revisit_check_repeat(ticket_id=again.pk) is None


def test_an_alarm_with_the_same_fault_code_is_checked_at_intake(world, engineer_user):
    from callbacks.tasks_callbacks import repeat_fault_check
    from tickets.sla.models import TaskOutbox

    first = completed_job(engineer_user, fault_code="E5")
    again = new_ticket(appliance=first.appliance, fault_code="E5")
    task = TaskOutbox.objects.filter(name="callbacks.repeat_fault_check").last()
    assert task.kwargs == {"ticket_id": again.pk}
    assert repeat_fault_check(ticket_id=again.pk) is True


def test_the_revisit_of_an_out_of_warranty_job_charges_no_call_out_or_labour(
    world, fee_schedule, engineer_user, engineer_user2, agent
):
    """The real path: "not fixed" opens the revisit, its engineer checks in and diagnoses,
    and the charge lines the on-site code computes are free, naming the waiver."""
    from tests.onsite.test_services import check_in
    from tests.onsite.test_services import diagnose as diagnose_on_site
    from tickets.models import ChargeLine
    from tickets.warranty import FreeReason

    first = completed_job(engineer_user)
    first.appliance.purchase_date = timezone.localdate() - dt.timedelta(days=5 * 365)
    first.appliance.save()
    follow_up_log(
        callback=follow_up_of(first),
        outcome="reached",
        actor=agent,
        survey={**GOOD, "fixed": False},
    )
    revisit = Revisit.objects.get(original=first).revisit
    assert not revisit.in_warranty
    ticket_transition(
        ticket=revisit, to=Status.ASSIGNED, actor=None, data={"engineer_user_id": engineer_user2.pk}
    )
    for to in (Status.ACCEPTED, Status.EN_ROUTE):
        ticket_transition(ticket=revisit, to=to, actor=engineer_user2)
    check_in(revisit, engineer_user2)
    diagnose_on_site(revisit, engineer_user2)
    lines = {line.kind: line for line in ChargeLine.objects.filter(ticket=revisit)}
    assert {"call_out", "labour"} <= set(lines)
    for kind in ("call_out", "labour"):
        assert lines[kind].free and lines[kind].amount == 0, kind
        assert lines[kind].list_price > 0  # the schedule's price, waived
    assert lines["labour"].free_reason == FreeReason.WAIVED
    assert lines["labour"].free_detail == {"waivers": ["free_revisit"]}
