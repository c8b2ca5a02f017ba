"""The engineer's job list names a job's service type when it is not a repair."""

import pytest

from dispatch import services
from tests.dispatch.factories import EngineerFactory

pytestmark = pytest.mark.django_db


def test_the_job_list_names_the_service_type_of_a_non_repair(client, make_ticket):
    engineer = EngineerFactory()
    repair = make_ticket()
    inspection = make_ticket(service_type="inspection")
    for ticket in (repair, inspection):
        assert services.ticket_dispatch_auto(ticket_id=ticket.pk) is not None
    client.force_login(engineer.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/m/jobs/").content.decode()
    assert page.count('data-testid="service-type"') == 1
    assert ">Inspection</span>" in page
