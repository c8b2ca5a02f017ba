import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from spareparts.models import Alert, LedgerEntry, OldPartReturn, Stock
from spareparts.replenishment import replenishment_suggestions, van_minmax_suggestions
from spareparts.selectors import returns_overdue
from spareparts.services import part_usage_record, stock_consume, stock_receive, transfer_plan
from spareparts.services.returns import old_part_return_scan, returns_flag_overdue
from tests.onsite.test_services import check_in, diagnose, finish
from tickets.errors import Conflict, DomainError, PermissionDenied
from tickets.onsite import services as onsite


def complete_with_part(ticket, user, part, serial, old_serial):
    check_in(ticket, user)
    diagnose(ticket, user)
    part_usage_record(
        ticket=ticket,
        engineer_user=user,
        sku=part.sku,
        serial_or_batch=serial,
        old_part_serial=old_serial,
        request_key="k-" + serial,
    )
    finish(ticket, user)
    onsite.job_complete(ticket=ticket, engineer_user=user)


def test_warranty_part_expects_its_old_part_back_and_matches_it(
    network, thermostat, warranty_job, engineer_user
):
    stock_receive(location=network["van"], part=thermostat, quantity=1, supplier="H", batch="B1")
    complete_with_part(warranty_job, engineer_user, thermostat, "B1", "old-th-1")
    expected = OldPartReturn.objects.get()
    assert expected.expected_serial == "OLD-TH-1"
    assert expected.due_on == timezone.localdate() + dt.timedelta(days=15)
    store = network["store"]
    with pytest.raises(DomainError, match="expects this old serial"):
        old_part_return_scan(location=store, serial="OLD-XX", actor=network["manager"])
    assert Alert.objects.filter(kind="old_part_unmatched").exists()
    matched = old_part_return_scan(location=store, serial="old-th-1", actor=engineer_user)
    assert matched.pk == expected.pk and matched.returned_to == store
    with pytest.raises(Conflict, match="already returned"):
        old_part_return_scan(location=store, serial="OLD-TH-1", actor=network["manager"])
    assert Alert.objects.filter(kind="old_part_duplicate").count() == 1


def test_out_of_warranty_parts_expect_no_return(network, thermostat, paid_job, engineer_user):
    from spareparts.services.returns import returns_expect

    stock_receive(location=network["van"], part=thermostat, quantity=1, supplier="H", batch="B1")
    check_in(paid_job, engineer_user)
    from spareparts.models import Part, PartUsage

    PartUsage.objects.create(
        ticket=paid_job,
        part=Part.objects.get(sku="HR-FR-TH01"),
        engineer=engineer_user,
        serial_or_batch="B1",
        old_part_serial="OLD-9",
        is_original=True,
        warranty_months=12,
        unit_price=thermostat.price,
        request_key="x",
    )
    assert returns_expect(ticket=paid_job) == 0
    assert not OldPartReturn.objects.exists()


def test_overdue_returns_are_listed_and_flagged_once(
    network, thermostat, warranty_job, engineer_user
):
    stock_receive(location=network["van"], part=thermostat, quantity=1, supplier="H", batch="B1")
    complete_with_part(warranty_job, engineer_user, thermostat, "B1", "OLD-1")
    assert returns_overdue() == []
    later = timezone.now() + dt.timedelta(days=16)
    with time_machine.travel(later):
        overdue = returns_overdue(service_point=network["service_point"])
        assert [r.expected_serial for r in overdue] == ["OLD-1"]
        assert returns_flag_overdue() == 1
        assert returns_flag_overdue() == 0  # a second sweep flags nothing new
        old_part_return_scan(location=network["store"], serial="OLD-1", actor=engineer_user)
        assert returns_overdue() == []
    assert not Alert.objects.filter(kind="old_part_overdue", resolved_at__isnull=True).exists()


def test_an_engineer_cannot_return_at_another_service_point(network, engineer_user):
    from spareparts.models import Location
    from tests.dispatch.factories import ServicePointFactory

    sp = ServicePointFactory()
    other = Location.objects.create(
        kind="store", code="SP-X", name="Other", lat=36, lng=120, service_point=sp
    )
    with pytest.raises(PermissionDenied):
        old_part_return_scan(location=other, serial="OLD-1", actor=engineer_user)


def test_low_stock_alert_and_replenishment_from_the_parent(network, thermostat, parts_manager):
    store, near = network["store"], network["near"]
    stock_receive(location=near, part=thermostat, quantity=20, supplier="H", batch="B")
    stock_receive(location=store, part=thermostat, quantity=3, supplier="H", batch="B")
    Stock.objects.filter(location=store, part=thermostat).update(min_qty=2, max_qty=6)
    stock_consume(location=store, part=thermostat, quantity=2)
    assert Alert.objects.get(kind="low_stock").location == store
    [s] = replenishment_suggestions(locations=[store])
    assert (s.quantity, s.source, s.purchase) == (5, near, False)
    # A planned transfer counts as on its way: the suggestion shrinks.
    transfer_plan(source=near, destination=store, part=thermostat, quantity=3, actor=parts_manager)
    [s] = replenishment_suggestions(locations=[store])
    assert (s.incoming, s.quantity) == (3, 2)
    # The parent cannot spare it: buy it.
    Stock.objects.filter(location=near, part=thermostat).update(on_hand=3)
    assert replenishment_suggestions(locations=[store])[0].purchase


def test_van_min_max_from_ninety_days_of_consumption(network, thermostat, board):
    van = network["van"]
    stock_receive(location=van, part=thermostat, quantity=40, supplier="H", batch="B")
    with time_machine.travel(timezone.now() - dt.timedelta(days=120)):
        stock_consume(location=van, part=thermostat, quantity=20)  # too old to count
    stock_consume(location=van, part=thermostat, quantity=18)  # 0.2 a day
    [row] = van_minmax_suggestions(van=van)
    assert (row["sku"], row["used_90_days"], row["min_qty"], row["max_qty"]) == (
        "HR-FR-TH01",
        18,
        2,
        3,
    )
    assert LedgerEntry.objects.filter(kind="consume").count() == 2
