"""Service types are data: a type's rows set its clocks, fees, engineers and lifecycle,
on the same code path as a repair (issue 16 item 1)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import ApplianceFactory, ticket_create
from tickets.errors import DomainError, TransitionNotAllowed
from tickets.lifecycle import Status
from tickets.models import FeeItem, OutboundMessage, ServiceType
from tickets.services import ticket_resolve_remotely
from tickets.sla.models import SlaPolicy, SlaTarget

pytestmark = pytest.mark.django_db


def test_the_built_in_types_are_rows_named_in_each_language():
    codes = list(ServiceType.objects.values_list("code", flat=True))
    assert codes == ["repair", "installation", "maintenance", "inspection", "return_assessment"]
    installation = ServiceType.objects.get(code="installation")
    from django.utils import translation

    with translation.override("en"):
        assert installation.name == "Installation"
        assert ("vacuum", "Refrigerant lines vacuumed") in installation.checklist_items()
    with translation.override("zh-hans"):
        assert installation.name == "安装"


def test_a_ticket_is_a_repair_unless_told_and_the_sms_names_its_type(warranty_policies, agent):
    repair = ticket_create(actor=agent)
    assert repair.service_type_id == "repair"
    installation = ticket_create(actor=agent, service_type="installation")
    assert installation.service_type_id == "installation"
    assert installation.events.get(kind="created").data["service_type"] == "installation"
    sms = OutboundMessage.objects.get(ticket=installation, purpose="acknowledgement")
    name = ServiceType.objects.get(code="installation").name
    assert f"({name})" in sms.body


def test_an_unknown_or_retired_type_is_refused_with_the_field(warranty_policies, agent):
    with pytest.raises(DomainError) as info:
        ticket_create(actor=agent, service_type="teleportation")
    assert info.value.field == "service_type"
    ServiceType.objects.filter(code="inspection").update(active=False)
    with pytest.raises(DomainError) as info:
        ticket_create(actor=agent, service_type="inspection")
    assert info.value.field == "service_type"


def test_the_types_own_sla_policy_sets_its_clocks(warranty_policies, agent):
    repair = ticket_create(actor=agent)
    repair_arrival = repair.sla_clocks.get(kind="arrival")
    general = SlaPolicy.objects.get(
        service_type=None, priority="normal", area_type=repair.area.area_type
    )
    own = SlaPolicy.objects.create(
        name="Installation, normal",
        service_type_id="installation",
        priority="normal",
        area_type=repair.area.area_type,
    )
    for target in general.targets.all():
        minutes = 48 * 60 if target.kind == "arrival" else target.minutes
        SlaTarget.objects.create(
            policy=own,
            kind=target.kind,
            minutes=minutes,
            service_hours_only=target.service_hours_only,
        )
    installation = ticket_create(actor=agent, service_type="installation")
    arrival = installation.sla_clocks.get(kind="arrival")
    assert arrival.policy_id == own.pk
    assert arrival.target_seconds == 48 * 3600
    assert arrival.target_seconds != repair_arrival.target_seconds
    # A type without a policy of its own keeps the policy of every type.
    maintenance = ticket_create(actor=agent, service_type="maintenance")
    assert maintenance.sla_clocks.get(kind="arrival").policy_id == general.pk


def test_a_paid_cleaning_is_charged_in_warranty_from_its_own_fee_lines(
    warranty_policies, fee_schedule, agent
):
    FeeItem.objects.create(
        kind="labour",
        category="fridge",
        fault_class="standard",
        service_type_id="maintenance",
        amount=Decimal("88.00"),
    )
    repair = ticket_create(actor=agent)
    assert repair.in_warranty and repair.status == Status.AWAITING_DISPATCH
    cleaning = ticket_create(actor=agent, service_type="maintenance")
    assert cleaning.in_warranty
    assert cleaning.status == Status.AWAITING_FEE_ACCEPTANCE
    # The general call-out (50) plus the maintenance labour line (88), not the repair's.
    assert cleaning.fee_estimate == Decimal("138.00")


def test_an_installation_out_of_warranty_uses_the_general_lines_when_it_has_none(
    warranty_policies, fee_schedule, agent
):
    old = ApplianceFactory(purchase_date=timezone.localdate() - dt.timedelta(days=900))
    repair = ticket_create(appliance=old, actor=agent)
    again = ApplianceFactory(purchase_date=old.purchase_date)
    installation = ticket_create(appliance=again, actor=agent, service_type="installation")
    assert installation.fee_estimate == repair.fee_estimate == Decimal("170.00")


def test_a_type_never_enters_its_unused_statuses(warranty_policies, agent):
    installation = ticket_create(actor=agent, service_type="installation")
    with pytest.raises(TransitionNotAllowed) as info:
        ticket_resolve_remotely(ticket=installation, actor=agent, guidance="Read the manual")
    assert info.value.field == "status"
    installation.refresh_from_db()
    assert installation.status == Status.AWAITING_DISPATCH
    repair = ticket_create(actor=agent)
    ticket_resolve_remotely(ticket=repair, actor=agent, guidance="Reset the breaker")
    assert repair.status == Status.RESOLVED_REMOTELY
