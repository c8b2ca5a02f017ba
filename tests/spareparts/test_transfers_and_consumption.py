import datetime as dt

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import timezone

from spareparts.models import Alert, LedgerEntry, PartUsage, Stock, Transfer
from spareparts.selectors import serial_trace
from spareparts.services import (
    job_release,
    part_request_create,
    part_usage_record,
    stock_differences,
    stock_receive,
    transfer_dispatch,
    transfer_plan,
    transfer_receive,
)
from tests.onsite.test_services import check_in, diagnose, finish
from tickets import hooks
from tickets.errors import PermissionDenied
from tickets.lifecycle import Status
from tickets.models import TicketEvent
from tickets.onsite import services as onsite

from .conftest import key


def level(location, part):
    s = Stock.objects.filter(location=location, part=part).first()
    return (s.on_hand, s.reserved) if s else (0, 0)


def track_text(ticket) -> str:
    """The parts app's sections of the customer's page (other apps add their own)."""
    return "".join(
        render_to_string(section["template"], section["context"])
        for section in hooks.track_sections(ticket=ticket)
        if section["template"].startswith("spareparts/")
    )


def test_transfer_moves_stock_on_dispatch_and_on_receipt(network, thermostat, parts_manager):
    near, store = network["near"], network["store"]
    stock_receive(location=near, part=thermostat, quantity=5, supplier="Haier", batch="B")
    t = transfer_plan(
        source=near, destination=store, part=thermostat, quantity=2, actor=parts_manager
    )
    assert level(near, thermostat) == (5, 2) and t.status == Transfer.Status.PLANNED
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        t = transfer_dispatch(transfer=t, actor=parts_manager)
        assert t.eta == t.dispatched_at + dt.timedelta(hours=24)  # regional -> store route
    assert t.status == Transfer.Status.IN_TRANSIT
    assert level(near, thermostat) == (3, 0) and level(store, thermostat) == (0, 0)
    t = transfer_receive(transfer=t, actor=network["manager"])  # the store's manager scans it
    assert t.status == Transfer.Status.RECEIVED and t.received_by == network["manager"]
    assert level(store, thermostat) == (2, 0)
    assert transfer_receive(transfer=t, actor=network["manager"]).pk == t.pk  # rescan: no-op
    assert LedgerEntry.objects.filter(kind="transfer_in").count() == 1
    assert stock_differences() == []


def test_only_the_destinations_keeper_receives(network, thermostat, parts_manager, engineer_user):
    near, store = network["near"], network["store"]
    stock_receive(location=near, part=thermostat, quantity=1, supplier="Haier", batch="B")
    t = transfer_plan(
        source=near, destination=store, part=thermostat, quantity=1, actor=parts_manager
    )
    transfer_dispatch(transfer=t, actor=parts_manager)
    with pytest.raises(PermissionDenied):
        transfer_receive(transfer=t, actor=engineer_user)  # not his van


def test_job_waits_then_the_receipt_releases_it(network, thermostat, warranty_job, engineer_user):
    stock_receive(
        location=network["near"], part=thermostat, quantity=1, supplier="Haier", batch="B"
    )
    check_in(warranty_job, engineer_user)
    request = part_request_create(
        engineer_user=engineer_user,
        sku=thermostat.sku,
        quantity=1,
        ticket=warranty_job,
        request_key=key(),
    )
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.WAITING_FOR_PARTS
    transfer = request.transfers.get()
    expected = timezone.localtime(transfer.eta).strftime("%Y-%m-%d")
    assert f"Waiting for parts, expected {expected}" in track_text(warranty_job)
    transfer_dispatch(transfer=transfer, actor=None)
    transfer_receive(transfer=transfer, actor=engineer_user)  # scanned into his van
    warranty_job.refresh_from_db()
    assert warranty_job.status == Status.ACCEPTED  # back with the engineer to book the visit
    assert track_text(warranty_job) == ""
    assert level(network["van"], thermostat) == (1, 1)  # kept for this job
    assert TicketEvent.objects.filter(ticket=warranty_job, kind="part_received").exists()


def test_dispatcher_or_parts_manager_releases_a_waiting_job(
    network, thermostat, warranty_job, engineer_user, dispatcher, parts_manager, agent
):
    check_in(warranty_job, engineer_user)
    onsite.outcome_waiting_for_parts(
        ticket=warranty_job, engineer_user=engineer_user, parts_needed="thermostat"
    )
    with pytest.raises(PermissionDenied):
        job_release(ticket=warranty_job, actor=agent)
    job_release(ticket=warranty_job, actor=parts_manager)
    assert warranty_job.status == Status.ACCEPTED
    event = TicketEvent.objects.get(ticket=warranty_job, kind="parts_released")
    assert event.actor == parts_manager


def _fit(ticket, user, part, serial, k="k1"):
    return part_usage_record(
        ticket=ticket, engineer_user=user, sku=part.sku, serial_or_batch=serial, request_key=k
    )


def test_completion_consumes_fitted_parts_from_the_van(
    network, thermostat, warranty_job, engineer_user
):
    van = network["van"]
    stock_receive(location=van, part=thermostat, quantity=3, supplier="Haier", batch="B7")
    check_in(warranty_job, engineer_user)
    part_request_create(
        engineer_user=engineer_user,
        sku=thermostat.sku,
        quantity=2,
        ticket=warranty_job,
        request_key=key(),
    )
    assert level(van, thermostat) == (3, 2)
    diagnose(warranty_job, engineer_user)
    usage = _fit(warranty_job, engineer_user, thermostat, "B7")
    finish(warranty_job, engineer_user)
    onsite.job_complete(ticket=warranty_job, engineer_user=engineer_user)
    usage.refresh_from_db()
    assert usage.consumed_at is not None
    # One fitted (out of the reservation), the other reserved one released.
    assert level(van, thermostat) == (2, 0)
    consume = LedgerEntry.objects.get(kind="consume")
    assert (consume.ticket_id, consume.batch, consume.reserved_delta) == (warranty_job.pk, "B7", -1)
    assert stock_differences() == []


def test_genuine_part_check_flags_an_unknown_serial(network, board, warranty_job, engineer_user):
    stock_receive(
        location=network["van"], part=board, quantity=1, supplier="Gree", serials=["MB-0001"]
    )
    check_in(warranty_job, engineer_user)
    genuine = _fit(warranty_job, engineer_user, board, "mb-0001", "k1")
    fake = _fit(warranty_job, engineer_user, board, "MB-FAKE", "k2")
    assert genuine.genuine is True and fake.genuine is False
    flagged = TicketEvent.objects.get(ticket=warranty_job, kind="part_serial_unknown")
    assert flagged.data["serial"] == "MB-FAKE"
    assert Alert.objects.filter(kind="serial_unknown", ticket=warranty_job).count() == 1


def test_the_same_serial_on_a_second_job_is_flagged(network, board, warranty_job, engineer_user):
    from tests.factories import ApplianceFactory, ticket_create

    from .conftest import assign_and_schedule

    stock_receive(
        location=network["van"], part=board, quantity=1, supplier="Gree", serials=["MB-0002"]
    )
    check_in(warranty_job, engineer_user)
    assert _fit(warranty_job, engineer_user, board, "MB-0002").genuine is True
    other = assign_and_schedule(ticket_create(appliance=ApplianceFactory()), engineer_user)
    check_in(other, engineer_user)
    assert _fit(other, engineer_user, board, "MB-0002").genuine is False
    assert Alert.objects.get(kind="serial_reused").data["fitted_on"] == warranty_job.pk


def test_trace_a_serial_from_supplier_to_ticket(
    network, board, warranty_job, engineer_user, parts_manager
):
    near, van = network["near"], network["van"]
    stock_receive(
        location=near, part=board, quantity=1, supplier="Gree Zhuhai", serials=["MB-0009"]
    )
    t = transfer_plan(source=near, destination=van, part=board, quantity=1, actor=parts_manager)
    transfer_dispatch(transfer=t, actor=parts_manager, serials=["mb-0009"])
    transfer_receive(transfer=t, actor=engineer_user)
    check_in(warranty_job, engineer_user)
    diagnose(warranty_job, engineer_user)
    _fit(warranty_job, engineer_user, board, "MB-0009")
    finish(warranty_job, engineer_user)
    onsite.job_complete(ticket=warranty_job, engineer_user=engineer_user)
    trace = serial_trace("mb-0009")
    assert trace["units"][0].supplier == "Gree Zhuhai"
    assert trace["units"][0].fitted_on == warranty_job
    assert [(e.kind, e.location) for e in trace["ledger"]] == [
        ("receipt", near),
        ("transfer_out", near),
        ("transfer_in", van),
        ("consume", van),
    ]
    usage = trace["usages"][0]
    assert (usage.ticket, usage.engineer) == (warranty_job, engineer_user)
    assert PartUsage.objects.get().consumed_at is not None


def test_cancelled_job_gives_its_reservations_back(
    network, thermostat, warranty_job, engineer_user, agent
):
    from tickets.services import ticket_cancel

    stock_receive(
        location=network["near"], part=thermostat, quantity=2, supplier="Haier", batch="B"
    )
    part_request_create(
        engineer_user=engineer_user,
        sku=thermostat.sku,
        quantity=1,
        ticket=warranty_job,
        request_key=key(),
    )
    assert level(network["near"], thermostat) == (2, 1)
    ticket_cancel(ticket=warranty_job, actor=agent, reason="Customer bought a new one")
    assert level(network["near"], thermostat) == (2, 0)
    assert Transfer.objects.get().status == Transfer.Status.CANCELLED
    assert stock_differences() == []
