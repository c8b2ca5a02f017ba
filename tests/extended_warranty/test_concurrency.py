"""Certificate numbers are unique when many sales happen at the same moment (threads with
their own database connections)."""

import threading

import pytest
from django.db import connection

from tests.factories import UserFactory
from tests.returns.conftest import an_appliance
from tickets.extended_warranty.models import ExtendedWarrantyContract
from tickets.extended_warranty.services import contract_sell

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_sales_get_unique_certificate_numbers(warranty_policies, area, whole_unit_3y):
    agent = UserFactory(username="alice", roles=["agent"])
    appliances = [an_appliance(area) for _ in range(8)]
    barrier = threading.Barrier(len(appliances))
    errors = []

    def sell(appliance):
        try:
            barrier.wait()
            contract_sell(
                appliance=appliance, product=whole_unit_3y, actor=agent, channel="console"
            )
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sell, args=(a,)) for a in appliances]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = list(ExtendedWarrantyContract.objects.values_list("certificate_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 8


def test_the_same_sale_twice_at_once_sells_once(warranty_policies, area, whole_unit_3y):
    agent = UserFactory(username="alice", roles=["agent"])
    appliance = an_appliance(area)
    barrier = threading.Barrier(2)
    outcomes = []

    def sell():
        try:
            barrier.wait()
            contract_sell(
                appliance=appliance, product=whole_unit_3y, actor=agent, channel="console"
            )
            outcomes.append("sold")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=sell) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["DomainError", "sold"]
    assert ExtendedWarrantyContract.objects.filter(appliance=appliance).count() == 1
