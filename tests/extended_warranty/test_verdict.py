"""An extended warranty changes the verdict at its boundaries: the day before it starts,
its first day, its last day and the day after it ends."""

import datetime as dt

import pytest
import time_machine

from tests.returns.conftest import an_appliance, local
from tickets.errors import DomainError
from tickets.extended_warranty.services import contract_sell
from tickets.warranty import appliance_warranty_verdict

pytestmark = pytest.mark.django_db
BOUGHT = dt.date(2026, 3, 1)  # fridge: 12 months, base ends 2027-02-28


def sold(appliance, product, agent, on):
    with time_machine.travel(local(on), tick=False):
        return contract_sell(appliance=appliance, product=product, actor=agent, channel="console")


def test_whole_unit_extension_from_the_end_of_the_base_warranty(
    warranty_policies, area, agent, whole_unit_3y
):
    appliance = an_appliance(area, bought=BOUGHT)
    contract = sold(appliance, whole_unit_3y, agent, dt.date(2026, 6, 1))
    assert (contract.starts_on, contract.ends_on) == (dt.date(2027, 3, 1), dt.date(2030, 2, 28))
    assert contract.certificate_number.startswith("YB2026")

    def verdict(day):
        return appliance_warranty_verdict(appliance=appliance, on=day)

    day_before = verdict(dt.date(2027, 2, 28))
    assert day_before.in_warranty and day_before.active_extension is None  # the base covers
    assert day_before.until == dt.date(2030, 2, 28)  # continuous cover shown to the end
    first = verdict(dt.date(2027, 3, 1))
    assert first.in_warranty
    assert first.active_extension.certificate_number == contract.certificate_number
    last = verdict(dt.date(2030, 2, 28))
    assert last.in_warranty and last.active_extension is not None
    whole = next(c for c in last.components if c.component == "whole_unit")
    assert whole.covered
    after = verdict(dt.date(2030, 3, 1))
    assert not after.in_warranty and after.active_extension is None
    assert after.as_dict()["extensions"][0]["certificate_number"] == contract.certificate_number


def test_component_extension_from_the_sale_covers_only_its_component(
    warranty_policies, area, agent, board_from_sale
):
    appliance = an_appliance(area, bought=dt.date(2024, 1, 10))  # base ended 2025-01-09
    contract = sold(appliance, board_from_sale, agent, dt.date(2026, 5, 20))
    assert (contract.starts_on, contract.ends_on) == (dt.date(2026, 5, 20), dt.date(2027, 5, 19))

    def board(day):
        verdict = appliance_warranty_verdict(appliance=appliance, on=day)
        return verdict, next(c for c in verdict.components if c.component == "main_board")

    for day, covered in (
        (dt.date(2026, 5, 19), False),
        (dt.date(2026, 5, 20), True),
        (dt.date(2027, 5, 19), True),
        (dt.date(2027, 5, 20), False),
    ):
        verdict, component = board(day)
        assert component.covered is covered, day
        assert verdict.in_warranty is False  # the whole unit stays out of warranty
        assert (verdict.active_extension is not None) is covered


def test_a_ticket_opened_under_the_extension_is_in_warranty_and_names_the_certificate(
    warranty_policies, area, agent, whole_unit_3y
):
    from tests.factories import ticket_create

    appliance = an_appliance(area, bought=BOUGHT)
    contract = sold(appliance, whole_unit_3y, agent, dt.date(2026, 6, 1))
    with time_machine.travel(local(dt.date(2028, 1, 5)), tick=False):
        ticket = ticket_create(appliance=appliance)
    assert ticket.in_warranty and ticket.fee_estimate is None
    assert ticket.warranty_detail["extensions"][0]["certificate_number"] == (
        contract.certificate_number
    )


def test_eligibility_category_and_age_at_sale(warranty_policies, area, agent, whole_unit_3y):
    # at most 11 months old at sale: 2027-02-28 is 11 months, 2027-03-01 is 12
    young = an_appliance(area, bought=BOUGHT)
    assert sold(young, whole_unit_3y, agent, dt.date(2027, 2, 28)).starts_on == dt.date(2027, 3, 1)
    with pytest.raises(DomainError) as exc:
        sold(young, whole_unit_3y, agent, dt.date(2027, 2, 28))  # twice: refused
    assert exc.value.field == "product"
    old = an_appliance(area, bought=BOUGHT)
    with pytest.raises(DomainError) as exc:
        sold(old, whole_unit_3y, agent, dt.date(2027, 3, 1))
    assert "older than 11 months" in str(exc.value)
    ac = an_appliance(area, bought=BOUGHT, category="ac")
    with pytest.raises(DomainError):
        sold(ac, whole_unit_3y, agent, dt.date(2026, 6, 1))
