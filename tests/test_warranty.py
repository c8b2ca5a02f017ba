import datetime as dt

import pytest

from tickets.warranty import add_months, fee_estimate, warranty_verdict


def test_month_arithmetic_clamps_to_month_end():
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2023, 2, 28), 12) == dt.date(2024, 2, 28)
    assert add_months(dt.date(2020, 2, 29), 12) == dt.date(2021, 2, 28)


@pytest.mark.parametrize(
    ("on", "covered"),
    [
        (dt.date(2025, 3, 14), True),  # the last covered day
        (dt.date(2025, 3, 15), False),  # the first day out
        (dt.date(2024, 3, 15), True),  # the purchase day itself
    ],
)
def test_whole_unit_at_the_day_boundary(warranty_policies, on, covered):
    verdict = warranty_verdict(category="fridge", purchase_date=dt.date(2024, 3, 15), on=on)
    assert verdict.known
    assert verdict.in_warranty is covered
    assert verdict.until == dt.date(2025, 3, 14)


def test_component_outlives_whole_unit(warranty_policies):
    verdict = warranty_verdict(
        category="fridge", purchase_date=dt.date(2020, 6, 1), on=dt.date(2026, 11, 23)
    )
    by_component = {c.component: c for c in verdict.components}
    assert not verdict.in_warranty
    assert not by_component["whole_unit"].covered
    assert by_component["compressor"].covered
    assert by_component["compressor"].until == dt.date(2030, 5, 31)


def test_unknown_purchase_date_and_future_date(warranty_policies):
    assert (
        warranty_verdict(category="fridge", purchase_date=None, on=dt.date(2026, 1, 1)).reason
        == "no_purchase_date"
    )
    future = warranty_verdict(
        category="fridge", purchase_date=dt.date(2027, 1, 1), on=dt.date(2026, 1, 1)
    )
    assert not future.known and not future.in_warranty


def test_category_without_policy_is_not_covered(db):
    verdict = warranty_verdict(
        category="tv", purchase_date=dt.date(2026, 1, 1), on=dt.date(2026, 2, 1)
    )
    assert verdict.reason == "no_policy" and not verdict.in_warranty


def test_fee_estimate_adds_call_out_and_labour(fee_schedule):
    estimate = fee_estimate(category="fridge", fault_class="complex")
    assert str(estimate.total) == "310.00"
    assert len(estimate.lines) == 2
