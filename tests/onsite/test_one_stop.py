"""一站式通检 (issue 16 item 7): on any visit the engineer records the household's other
appliances of the brand that were checked; a problem opens a linked repair ticket."""

import pytest

from tests.factories import ApplianceFactory, CustomerFactory
from tickets.choices import Channel
from tickets.errors import DomainError
from tickets.lifecycle import Status
from tickets.models import Appliance, OneStopCheck, Ticket
from tickets.onsite import services

from .test_services import check_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(warranty_job, engineer_user):
    check_in(warranty_job, engineer_user)
    warranty_job.refresh_from_db()
    return warranty_job


def record(ticket, user, **kw):
    return services.one_stop_check_record(ticket=ticket, engineer_user=user, **kw)


def test_an_appliance_on_file_checked_ok_is_recorded_without_a_ticket(visit, engineer_user):
    washer = ApplianceFactory(customer=visit.customer, category="washer", model_number="XQG100")
    assert services.household_appliances(visit) == [washer]
    check = record(visit, engineer_user, appliance_id=washer.pk, result="ok")
    assert check.repair_ticket is None
    assert Ticket.objects.count() == 1
    assert visit.events.filter(kind="one_stop_check").count() == 1
    # A retried submit returns the first check.
    assert record(visit, engineer_user, appliance_id=washer.pk, result="ok").pk == check.pk


def test_a_problem_opens_a_repair_ticket_linked_both_ways(visit, engineer_user):
    check = record(
        visit,
        engineer_user,
        category="water_heater",
        model_number="ES60H",
        serial_number="hw-777",
        result="problem",
        note="Earth leakage breaker trips",
    )
    repair = check.repair_ticket
    assert repair.service_type_id == "repair"
    assert repair.channel == Channel.ENGINEER_VISIT
    assert repair.related_ticket == visit  # repair -> visit
    assert OneStopCheck.objects.get(repair_ticket=repair).ticket == visit  # visit -> repair
    assert repair.fault_description == "Earth leakage breaker trips"
    assert repair.status in (Status.AWAITING_DISPATCH, Status.AWAITING_FEE_ACCEPTANCE)
    heater = Appliance.objects.get(serial_number="HW-777")
    assert heater.customer == visit.customer and heater.brand == visit.appliance.brand
    event = repair.events.get(kind="opened_from_one_stop_check")
    assert event.actor == engineer_user and event.data["visit_ticket"] == visit.number


def test_a_problem_needs_a_description_and_foreign_appliances_are_refused(visit, engineer_user):
    washer = ApplianceFactory(customer=visit.customer, category="washer")
    with pytest.raises(DomainError) as info:
        record(visit, engineer_user, appliance_id=washer.pk, result="problem")
    assert info.value.field == "note"
    stranger = ApplianceFactory(customer=CustomerFactory())
    with pytest.raises(DomainError) as info:
        record(visit, engineer_user, appliance_id=stranger.pk, result="ok")
    assert info.value.field == "appliance"
    ApplianceFactory(customer=CustomerFactory(), serial_number="TAKEN-1")
    with pytest.raises(DomainError) as info:
        record(
            visit,
            engineer_user,
            category="tv",
            model_number="55E",
            serial_number="taken-1",
            result="ok",
        )
    assert info.value.field == "serial_number"
    with pytest.raises(DomainError) as info:
        record(visit, engineer_user, appliance_id=visit.appliance_id, result="ok")
    assert info.value.field == "appliance"
    assert OneStopCheck.objects.count() == 0


def test_the_desk_sees_the_checks_and_the_link_on_both_ticket_pages(
    visit, engineer_user, agent_client
):
    check = record(
        visit,
        engineer_user,
        category="tv",
        model_number="55E3",
        result="problem",
        note="No picture",
    )
    page = agent_client.get(f"/tickets/{visit.pk}/").content.decode()
    assert "One-stop check" in page and check.repair_ticket.number in page
    other = agent_client.get(f"/tickets/{check.repair_ticket.pk}/").content.decode()
    assert 'data-testid="one-stop-origin"' in other and visit.number in other
