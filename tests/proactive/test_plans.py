"""Item 3: maintenance and inspection plans open one ticket per period, even when beat
runs race; the desk books by phone; a finding opens a linked repair."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from proactive.models import PlanVisit, ServicePlan
from proactive.services.plans import (
    plan_create,
    plan_end,
    plans_generate_due,
    repair_from_visit,
    visit_book,
)
from tickets.errors import Conflict, DomainError, PermissionDenied
from tickets.models import Ticket
from tickets.warranty import add_months

from .conftest import owner

pytestmark = pytest.mark.django_db


def _plan(actor, *, months=6, due_in_days=10, **kw):
    appliance = owner()
    return plan_create(
        customer=appliance.customer,
        appliance=appliance,
        service_type=kw.pop("service_type", "inspection"),
        interval_months=months,
        first_due=timezone.localdate() + dt.timedelta(days=due_in_days),
        actor=actor,
        **kw,
    )


def test_a_due_plan_opens_its_ticket_as_an_appointment_and_moves_to_the_next_period(
    warranty_policies, agent
):
    plan = _plan(agent, months=6, due_in_days=10, window="afternoon")
    due = plan.next_due
    assert plans_generate_due() == {"made": 1, "skipped": 0, "failed": 0}
    visit = PlanVisit.objects.get(plan=plan)
    ticket = visit.ticket
    assert visit.period == due
    assert ticket.service_type_id == "inspection"
    assert ticket.priority == "appointment"
    start = timezone.localtime(ticket.preferred_start)
    assert (start.date(), start.hour, timezone.localtime(ticket.preferred_end).hour) == (
        due,
        13,
        17,
    )
    plan.refresh_from_db()
    assert plan.next_due == add_months(due, 6)
    # The same run again (or the next hour's): nothing new until the next period is near.
    assert plans_generate_due()["made"] == 0
    assert Ticket.objects.filter(plan_visit__plan=plan).count() == 1


def test_a_plan_is_generated_again_only_for_the_next_period(warranty_policies, agent):
    plan = _plan(agent, months=6, due_in_days=3)
    plans_generate_due()
    plan.refresh_from_db()
    with time_machine.travel(timezone.now() + dt.timedelta(days=190), tick=False):
        assert plans_generate_due()["made"] == 1
    periods = list(PlanVisit.objects.filter(plan=plan).values_list("period", flat=True))
    assert len(periods) == 2 and periods[1] == plan.next_due


def test_a_plan_far_from_due_or_ended_makes_no_ticket(warranty_policies, agent):
    far = _plan(agent, due_in_days=60)
    ended = _plan(agent, due_in_days=1)
    plan_end(plan=ended, actor=agent, reason="Contract cancelled")
    assert plans_generate_due()["made"] == 0
    assert not PlanVisit.objects.filter(plan__in=[far, ended]).exists()
    with pytest.raises(Conflict):
        plan_end(plan=ended, actor=agent)


@pytest.mark.django_db(transaction=True)
def test_raced_beat_runs_open_each_period_once(transactional_db, warranty_policies, agent):
    plans = [_plan(agent, due_in_days=5) for _ in range(3)]
    barrier, results, errors = threading.Barrier(4), [], []

    def run():
        try:
            barrier.wait()
            results.append(plans_generate_due())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r["made"] for r in results) == 3
    for plan in plans:
        assert PlanVisit.objects.filter(plan=plan).count() == 1
        assert Ticket.objects.filter(appliance=plan.appliance).count() == 1
        plan.refresh_from_db()
        assert plan.next_due > timezone.localdate() + dt.timedelta(days=100)


def test_a_plan_booked_by_phone_waits_for_the_desk_call(warranty_policies, agent):
    plan = _plan(agent, booking="call", service_type="maintenance")
    plans_generate_due()
    visit = PlanVisit.objects.get(plan=plan)
    assert visit.call_state == "to_call"
    assert visit.ticket.priority == "normal"
    start = timezone.now() + dt.timedelta(days=2)
    visit_book(visit=visit, start=start, end=start + dt.timedelta(hours=2), actor=agent)
    visit.refresh_from_db()
    assert visit.call_state == "booked" and visit.booked_by == agent
    event = visit.ticket.events.filter(kind="customer_call").get()
    assert event.data["window_start"] == start.isoformat()
    with pytest.raises(Conflict):
        visit_book(visit=visit, start=start, end=start + dt.timedelta(hours=2), actor=agent)


def test_a_finding_opens_a_repair_linked_to_the_visit(warranty_policies, agent):
    plan = _plan(agent)
    plans_generate_due()
    visit_ticket = PlanVisit.objects.get(plan=plan).ticket
    repair = repair_from_visit(
        visit_ticket=visit_ticket, description="Outdoor fan bearing noisy", actor=agent
    )
    assert repair.service_type_id == "repair"
    assert repair.related_ticket_id == visit_ticket.pk
    assert repair.appliance_id == visit_ticket.appliance_id
    other = Ticket.objects.exclude(pk__in=[visit_ticket.pk, repair.pk]).first()
    assert other is None
    with pytest.raises(DomainError):
        repair_from_visit(visit_ticket=repair, description="x", actor=agent)


def test_plan_rules(warranty_policies, agent, engineer_user):
    appliance = owner()
    common = dict(customer=appliance.customer, appliance=appliance, actor=agent)
    soon = timezone.localdate() + dt.timedelta(days=5)
    with pytest.raises(DomainError) as exc:
        plan_create(service_type="repair", interval_months=6, first_due=soon, **common)
    assert exc.value.field == "service_type"
    with pytest.raises(DomainError) as exc:
        plan_create(service_type="maintenance", interval_months=0, first_due=soon, **common)
    assert exc.value.field == "interval_months"
    with pytest.raises(PermissionDenied):
        plan_create(
            **{**common, "actor": engineer_user},
            service_type="maintenance",
            interval_months=12,
            first_due=soon,
        )
    assert not ServicePlan.objects.exists()


def test_the_visit_ticket_is_described_in_the_operators_language(
    warranty_policies, agent, settings
):
    plan = _plan(agent)
    settings.LANGUAGE_CODE = "zh-hans"
    plans_generate_due()  # a beat worker: English (or nothing) active
    ticket = PlanVisit.objects.get(plan=plan).ticket
    assert ticket.fault_description.startswith("巡检，到期日")
