import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, InternalError, connection, transaction

from spareparts.models import AdjustReason, LedgerEntry, LedgerKind, SerialUnit, Stock
from spareparts.services import (
    NotEnoughStock,
    stock_adjust,
    stock_consume,
    stock_differences,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_return,
)
from tests.factories import UserFactory


def level(location, part):
    s = Stock.objects.get(location=location, part=part)
    return s.on_hand, s.reserved


def test_each_ledger_kind_moves_stock_and_sums_match(network, thermostat):
    store = network["store"]
    approver = UserFactory(username="boss", roles=["warehouse"])
    stock_receive(location=store, part=thermostat, quantity=5, supplier="Haier", batch="b1")
    assert level(store, thermostat) == (5, 0)
    stock_reserve(location=store, part=thermostat, quantity=2)
    assert level(store, thermostat) == (5, 2)
    stock_release(location=store, part=thermostat, quantity=1)
    assert level(store, thermostat) == (5, 1)
    stock_consume(location=store, part=thermostat, quantity=2, reserved=1, batch="B1")
    assert level(store, thermostat) == (3, 0)
    stock_return(location=store, part=thermostat, quantity=1)
    assert level(store, thermostat) == (4, 0)
    stock_adjust(
        location=store, part=thermostat, delta=-1, reason=AdjustReason.DAMAGED, approver=approver
    )
    assert level(store, thermostat) == (3, 0)
    kinds = list(LedgerEntry.objects.values_list("kind", flat=True))
    assert kinds == ["receipt", "reserve", "release", "consume", "return", "adjust"]
    assert LedgerEntry.objects.get(kind="receipt").batch == "B1"
    assert stock_differences() == []


def test_stock_never_goes_negative(network, thermostat):
    store = network["store"]
    stock_receive(location=store, part=thermostat, quantity=2, supplier="Haier", batch="b1")
    stock_reserve(location=store, part=thermostat, quantity=2)
    with pytest.raises(NotEnoughStock):
        stock_reserve(location=store, part=thermostat, quantity=1)
    with pytest.raises(NotEnoughStock):  # unreserved consumption would eat the reservation
        stock_consume(location=store, part=thermostat, quantity=1)
    with pytest.raises(NotEnoughStock):
        stock_release(location=store, part=thermostat, quantity=3)
    with pytest.raises(NotEnoughStock):  # nothing at all at the van
        stock_reserve(location=network["van"], part=thermostat, quantity=1)
    assert level(store, thermostat) == (2, 2)
    assert LedgerEntry.objects.count() == 2


def test_database_constraint_backs_the_rule(network, thermostat):
    stock_receive(
        location=network["store"], part=thermostat, quantity=1, supplier="Haier", batch="b"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(part=thermostat).update(reserved=2)


def test_database_refuses_to_update_or_delete_a_ledger_row(network, thermostat):
    entry = stock_receive(
        location=network["store"], part=thermostat, quantity=1, supplier="Haier", batch="b"
    )
    with pytest.raises(InternalError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(on_hand_delta=100)
    with pytest.raises(InternalError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM spareparts_ledgerentry WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).on_hand_delta == 1


def test_adjustment_needs_reason_and_approver(network, thermostat):
    with pytest.raises(Exception, match="reason"):
        stock_adjust(location=network["store"], part=thermostat, delta=1, reason="", approver=None)
    with pytest.raises(Exception, match="approver"):
        stock_adjust(
            location=network["store"],
            part=thermostat,
            delta=1,
            reason=AdjustReason.FOUND,
            approver=None,
        )
    assert not LedgerEntry.objects.exists()


def test_serialized_receipt_needs_one_new_serial_per_unit(network, board):
    central = network["central"]
    with pytest.raises(Exception, match="serial"):
        stock_receive(location=central, part=board, quantity=2, supplier="Gree", serials=["A"])
    stock_receive(location=central, part=board, quantity=2, supplier="Gree", serials=["a", "b"])
    assert set(SerialUnit.objects.values_list("serial", flat=True)) == {"A", "B"}
    with pytest.raises(Exception, match="already received"):
        stock_receive(location=central, part=board, quantity=1, supplier="Gree", serials=["B"])
    assert level(central, board) == (2, 0)
    assert LedgerEntry.objects.filter(kind=LedgerKind.RECEIPT).count() == 1


def test_check_command_reports_no_difference_then_a_drift(network, thermostat):
    stock_receive(
        location=network["store"], part=thermostat, quantity=3, supplier="Haier", batch="b"
    )
    out = io.StringIO()
    call_command("stock_check", stdout=out)
    assert "0 differences" in out.getvalue()
    # A stock row edited behind the ledger's back is found.
    Stock.objects.filter(part=thermostat).update(on_hand=7)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("stock_check", stdout=out)
    assert "stock 7/0, ledger 3/0" in out.getvalue()
