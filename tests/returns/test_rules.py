"""Each 三包 rule at its day boundaries, counted in the operator's local date, and the
repeat-repair rule at the second and third repair of the same fault."""

import datetime as dt

import pytest
import time_machine

from tests.factories import ticket_create
from tickets.exchanges.rules import rules_evaluate

from .conftest import BOUGHT, an_appliance, finish_repair, local, repaired

pytestmark = pytest.mark.django_db


def applies(ticket, fault="not_cooling", cause="defect") -> dict[str, bool]:
    return {o.rule.code: o.applies for o in rules_evaluate(ticket=ticket, fault=fault, cause=cause)}


def reported_on_day(area, day: int, hour: int = 10, minute: int = 0):
    appliance = an_appliance(area)
    with time_machine.travel(local(BOUGHT + dt.timedelta(days=day), hour, minute), tick=False):
        return ticket_create(appliance=appliance)


@pytest.mark.parametrize(
    ("day", "returnable", "exchangeable"),
    [(0, True, True), (7, True, True), (8, False, True), (15, False, True), (16, False, False)],
)
def test_the_days_rules_at_their_boundaries(warranty_policies, area, day, returnable, exchangeable):
    ticket = reported_on_day(area, day)
    result = applies(ticket)
    assert result["return_7_days"] is returnable
    assert result["exchange_15_days"] is exchangeable


def test_days_are_counted_in_the_operators_local_date(warranty_policies, area):
    # 00:30 in Shanghai on day 8 is still day 7 in UTC: the local date decides.
    ticket = reported_on_day(area, 8, hour=0, minute=30)
    assert ticket.created_at.astimezone(dt.UTC).date() == BOUGHT + dt.timedelta(days=7)
    assert applies(ticket)["return_7_days"] is False
    late_evening = reported_on_day(area, 7, hour=23, minute=59)
    assert applies(late_evening)["return_7_days"] is True


def test_the_reason_is_shown_with_the_rule(warranty_policies, area):
    ticket = reported_on_day(area, 8)
    by_code = {o.rule.code: o for o in rules_evaluate(ticket=ticket, fault="noise", cause="defect")}
    assert by_code["return_7_days"].text == (
        "Fault reported on day 8 after purchase (2026-03-01), after 7 days."
    )
    assert by_code["exchange_15_days"].text == (
        "Fault reported on day 8 after purchase (2026-03-01), within 15 days."
    )
    assert by_code["exchange_15_days"].rule.name == (
        "Performance fault within 15 days of purchase: exchange"
    )


def test_a_fault_the_customer_caused_is_not_a_performance_fault(warranty_policies, area):
    ticket = reported_on_day(area, 3)
    result = applies(ticket, cause="misuse")
    assert not any(result.values())


def test_repeat_rule_second_repair_no_third_failure_yes(warranty_policies, area, engineer_user):
    appliance = an_appliance(area, bought=dt.date(2026, 1, 5))
    with time_machine.travel(local(dt.date(2026, 6, 1)), tick=False):
        repaired(appliance, engineer_user, fault="not_cooling")
    with time_machine.travel(local(dt.date(2026, 7, 1)), tick=False):
        second = ticket_create(appliance=appliance)
    # the second failure: one earlier repair of the fault
    assert applies(second)["exchange_after_two_repairs"] is False
    with time_machine.travel(local(dt.date(2026, 7, 2)), tick=False):
        repaired(appliance, engineer_user, fault="noise")  # another fault does not count
    assert applies(second)["exchange_after_two_repairs"] is False

    with time_machine.travel(local(dt.date(2026, 7, 3)), tick=False):
        finish_repair(second, engineer_user, fault="not_cooling")
    with time_machine.travel(local(dt.date(2026, 8, 1)), tick=False):
        third = ticket_create(appliance=appliance)
    outcome = next(
        o
        for o in rules_evaluate(ticket=third, fault="not_cooling", cause="defect")
        if o.rule.code == "exchange_after_two_repairs"
    )
    assert outcome.applies
    assert outcome.params["count"] == 3 - 1
    # the same appliance's failure of another fault is still a repair
    assert applies(third, fault="water_leak")["exchange_after_two_repairs"] is False


def test_repeat_rule_needs_the_warranty(warranty_policies, area, engineer_user):
    appliance = an_appliance(area, bought=dt.date(2025, 1, 5))  # 12 months: ended 2026-01-04
    with time_machine.travel(local(dt.date(2025, 6, 1)), tick=False):
        repaired(appliance, engineer_user)
    with time_machine.travel(local(dt.date(2025, 7, 1)), tick=False):
        repaired(appliance, engineer_user)
    with time_machine.travel(local(dt.date(2026, 1, 4)), tick=False):
        last_day = ticket_create(appliance=appliance)
    with time_machine.travel(local(dt.date(2026, 1, 5)), tick=False):
        after = ticket_create(appliance=appliance)
    assert applies(last_day)["exchange_after_two_repairs"] is True
    assert applies(after)["exchange_after_two_repairs"] is False
