"""A service type that needs a certification is dispatched to certified engineers only."""

import pytest

from dispatch import matching
from tests.dispatch.factories import EngineerFactory

pytestmark = pytest.mark.django_db


def test_only_engineers_certified_for_installation_are_dispatched_to_one(make_ticket):
    plain = EngineerFactory()
    certified = EngineerFactory(service_types=["installation"], home_lat=36.2)
    installation = make_ticket(service_type="installation")
    result = matching.find_candidates(installation)
    reasons = {c.engineer.pk: c.reasons for c in result.considered}
    assert reasons[plain.pk] == ["not_certified_for_type"]
    assert reasons[certified.pk] == []
    assert [c.engineer.pk for c in result.ranked] == [certified.pk]
    # A repair needs no such certification: the nearer engineer comes first.
    repair = make_ticket()
    assert matching.find_candidates(repair).ranked[0].engineer.pk == plain.pk
