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


def test_the_on_site_charges_use_the_published_fees_the_estimate_uses(
    fee_schedule, warranty_policies, engineer_user, agent
):
    """One fee rule: what the agent quoted at intake is what the engineer's lines add up to
    (before parts), because both read `tickets.warranty.fee_price`."""
    from django.utils import timezone

    from tests.factories import ApplianceFactory, ticket_create
    from tests.onsite.conftest import assign_and_schedule
    from tickets.models import FeeItem
    from tickets.onsite import selectors, services
    from tickets.services import ticket_accept_fee

    FeeItem.objects.create(kind="call_out", category="fridge", amount="80.00")
    appliance = ApplianceFactory(purchase_date=timezone.localdate() - dt.timedelta(days=800))
    ticket = ticket_create(appliance=appliance)
    ticket_accept_fee(ticket=ticket, actor=agent)
    ticket = assign_and_schedule(ticket, engineer_user)
    services.ticket_check_in(ticket=ticket, engineer_user=engineer_user)
    total = selectors.charges_total(selectors.charge_lines(ticket))
    assert (
        total
        == ticket.fee_estimate
        == fee_estimate(category="fridge", fault_class="standard").total
    )
    assert str(total) == "200.00"  # the fridge's own call-out fee 80 + labour 120


def test_the_warranty_badge_and_the_masked_number_are_one_rule_each(db, warranty_policies):
    from django.template import Context, Template
    from django.utils import translation

    from tests.factories import CustomerFactory
    from tickets.masking import mobile_masked

    customer = CustomerFactory(mobile="+8613912345678")
    assert mobile_masked(customer.mobile) == customer.masked_mobile == "139****5678"
    assert mobile_masked("123") == "****"

    class T:
        in_warranty = False
        fee_estimate = "170.00"

    with translation.override("en"):
        html = Template("{% load money_tags %}{% warranty_badge_for t True %}").render(
            Context({"t": T()})
        )
    assert "Out of warranty" in html and "170.00" in html
