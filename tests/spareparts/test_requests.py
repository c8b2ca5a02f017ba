import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from spareparts.models import (
    ApprovalRule,
    PartRequest,
    SourceReason,
    Stock,
    Transfer,
    TransferRoute,
)
from spareparts.services import (
    NotEnoughStock,
    part_request_create,
    part_request_decide,
    stock_receive,
)
from tests.onsite.test_services import check_in
from tickets.errors import PermissionDenied
from tickets.lifecycle import Status
from tickets.models import TicketEvent
from tickets.sla.models import ClockKind, SlaClock

from .conftest import key


def stock(location, part, n):
    stock_receive(location=location, part=part, quantity=n, supplier="Haier", batch="B1")


def ask(user, part, ticket=None, quantity=1):
    return part_request_create(
        engineer_user=user, sku=part.sku, quantity=quantity, ticket=ticket, request_key=key()
    )


def available(location, part):
    s = Stock.objects.filter(location=location, part=part).first()
    return (s.on_hand - s.reserved) if s else 0


def test_sourcing_prefers_van_then_store_then_nearest_regional_then_central(
    network, thermostat, warranty_job, engineer_user
):
    for name in ("van", "store", "near", "mid", "far", "central"):
        stock(network[name], thermostat, 1)
    check_in(warranty_job, engineer_user)  # on site: the part must beat the 48 h completion
    expected = [
        ("van", SourceReason.OWN_VAN, "In your van"),
        ("store", SourceReason.OWN_STORE, "At your service point's store"),
        ("near", SourceReason.REGIONAL, "Nearest regional warehouse with stock, 12.0 km away"),
        ("mid", SourceReason.REGIONAL, "Nearest regional warehouse with stock, 30.0 km away"),
        # The 80 km warehouse is out of reach even with stock: central is next, and its
        # 72 hours on the road miss the job's deadline.
        (
            "central",
            SourceReason.CENTRAL,
            "Central warehouse: no stock nearer. It cannot arrive before the SLA deadline: "
            "no source can.",
        ),
    ]
    for name, reason, text in expected:
        request = ask(engineer_user, thermostat, warranty_job)
        assert request.source == network[name]
        assert request.source_reason == reason
        assert request.source_reason_text == text
        assert available(network[name], thermostat) == 0  # reserved there
    with pytest.raises(NotEnoughStock, match="Not enough stock of HR-FR-TH01"):
        ask(engineer_user, thermostat, warranty_job)
    assert available(network["far"], thermostat) == 1


def test_van_refill_does_not_take_from_the_van(network, thermostat, engineer_user):
    stock(network["van"], thermostat, 5)
    stock(network["store"], thermostat, 5)
    request = ask(engineer_user, thermostat, quantity=3)
    assert request.purpose == "refill" and request.source == network["store"]
    assert request.status == PartRequest.Status.APPROVED
    assert request.rule.name == "Small van refill"
    transfer = Transfer.objects.get(request=request)
    assert (transfer.source, transfer.destination) == (network["store"], network["van"])


def test_auto_approval_rule_hits_and_misses(
    network, thermostat, compressor, warranty_job, paid_job, engineer_user
):
    stock(network["store"], thermostat, 10)
    stock_receive(
        location=network["store"],
        part=compressor,
        quantity=3,
        supplier="Haier",
        serials=["C1", "C2", "C3"],
    )
    cheap = ask(engineer_user, thermostat, warranty_job)
    assert cheap.status == PartRequest.Status.APPROVED
    assert cheap.rule.name == "Cheap parts for an in-warranty job"
    many = ask(engineer_user, thermostat, warranty_job, quantity=3)
    assert many.status == PartRequest.Status.HELD and many.rule is None
    # 780 CNY is above every rule a junior engineer meets: the parts manager decides.
    dear = ask(engineer_user, compressor, warranty_job)
    assert dear.status == PartRequest.Status.HELD
    assert not Transfer.objects.filter(request=dear).exists()
    paid = ask(engineer_user, thermostat, paid_job)
    assert paid.rule.name == "Out-of-warranty job, the customer pays"
    # A senior engineer gets the compressor approved by the senior rule.
    network["engineer"].level = 3
    network["engineer"].save()
    senior = ask(engineer_user, compressor, warranty_job)
    assert senior.status == PartRequest.Status.APPROVED
    assert senior.rule.name == "Senior engineers, one part up to 1000"
    # A rule edited in the table changes the outcome: the table is the policy.
    ApprovalRule.objects.filter(name="Cheap parts for an in-warranty job").update(
        max_unit_price=Decimal("50.00")
    )
    network["engineer"].level = 1
    network["engineer"].save()
    assert ask(engineer_user, thermostat, warranty_job).status == PartRequest.Status.HELD


def test_parts_manager_approves_or_rejects_a_held_request(
    network, compressor, warranty_job, engineer_user, parts_manager
):
    stock_receive(
        location=network["near"],
        part=compressor,
        quantity=2,
        supplier="Haier",
        serials=["C1", "C2"],
    )
    held = ask(engineer_user, compressor, warranty_job)
    assert held.status == PartRequest.Status.HELD
    with pytest.raises(PermissionDenied):
        part_request_decide(request=held, actor=engineer_user, approve=True)
    approved = part_request_decide(request=held, actor=parts_manager, approve=True)
    assert approved.status == PartRequest.Status.APPROVED and approved.decided_by == parts_manager
    assert Transfer.objects.get(request=held).status == Transfer.Status.PLANNED
    other = ask(engineer_user, compressor, warranty_job)
    with pytest.raises(Exception, match="why"):
        part_request_decide(request=other, actor=parts_manager, approve=False)
    part_request_decide(request=other, actor=parts_manager, approve=False, note="Repair it")
    assert available(network["near"], compressor) == 1  # the rejected one is free again


def test_request_on_site_puts_the_job_waiting_for_parts_by_itself(
    network, thermostat, warranty_job, engineer_user
):
    stock(network["near"], thermostat, 2)
    check_in(warranty_job, engineer_user)
    request = ask(engineer_user, thermostat, warranty_job)
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.WAITING_FOR_PARTS
    event = TicketEvent.objects.get(ticket=warranty_job, kind="part_requested")
    assert event.data["source_reason"] == "regional" and event.data["sku"] == "HR-FR-TH01"
    assert request.transfers.get().status == Transfer.Status.PLANNED


def test_part_in_the_van_does_not_make_the_job_wait(
    network, thermostat, warranty_job, engineer_user
):
    stock(network["van"], thermostat, 1)
    check_in(warranty_job, engineer_user)
    request = ask(engineer_user, thermostat, warranty_job)
    warranty_job.refresh_from_db()
    assert request.source == network["van"] and not request.travels
    assert warranty_job.status == Status.ON_SITE


def test_a_retried_request_reserves_once(network, thermostat, warranty_job, engineer_user):
    stock(network["store"], thermostat, 5)
    k = key()
    first = part_request_create(
        engineer_user=engineer_user,
        sku=thermostat.sku,
        quantity=2,
        ticket=warranty_job,
        request_key=k,
    )
    again = part_request_create(
        engineer_user=engineer_user,
        sku=thermostat.sku,
        quantity=2,
        ticket=warranty_job,
        request_key=k,
    )
    assert first.pk == again.pk
    assert available(network["store"], thermostat) == 3


def test_someone_elses_job_is_refused(network, thermostat, warranty_job, engineer_user2):
    from tests.dispatch.factories import EngineerFactory

    from .conftest import van_for

    van_for(EngineerFactory(user=engineer_user2, service_point=network["service_point"]))
    stock(network["store"], thermostat, 5)
    with pytest.raises(PermissionDenied):
        ask(engineer_user2, thermostat, warranty_job)


def test_sourcing_passes_over_a_source_that_cannot_meet_the_sla_deadline(
    network, thermostat, warranty_job, engineer_user
):
    """The job is due on site in 3 hours. The store's parcels take 6 hours to reach the van,
    the regional warehouses' 2: the regional warehouse is chosen; once no source can make
    it, the soonest comes first and the request says it will be late."""
    SlaClock.objects.filter(ticket=warranty_job, kind=ClockKind.ARRIVAL).update(
        due_at=timezone.now() + dt.timedelta(hours=3)
    )
    TransferRoute.objects.filter(from_kind="store", to_kind="van").update(hours=6)
    TransferRoute.objects.filter(from_kind="regional", to_kind="van").update(hours=2)
    for name in ("store", "near", "central"):
        stock(network[name], thermostat, 1)

    on_time = ask(engineer_user, thermostat, warranty_job)
    assert on_time.source == network["near"]
    assert on_time.source_reason_text == "Nearest regional warehouse with stock, 12.0 km away"
    assert available(network["store"], thermostat) == 1  # passed over, still there

    late = ask(engineer_user, thermostat, warranty_job)
    assert late.source == network["store"]  # 6 hours beat the central warehouse's 72
    assert late.source_reason_text == (
        "At your service point's store. It cannot arrive before the SLA deadline: no source can."
    )
    transfer = Transfer.objects.get(request=late)
    assert transfer.eta > timezone.now() + dt.timedelta(hours=5)


def test_a_van_refill_has_no_deadline_to_meet(network, thermostat, engineer_user):
    TransferRoute.objects.filter(from_kind="store", to_kind="van").update(hours=100)
    stock(network["store"], thermostat, 1)
    stock(network["near"], thermostat, 1)
    request = ask(engineer_user, thermostat)
    assert request.source == network["store"]
    assert request.source_reason_text == "At your service point's store"
