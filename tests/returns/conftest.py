import datetime as dt
import zoneinfo

import pytest

from tests.factories import AddressFactory, ApplianceFactory, UserFactory, ticket_create
from tickets.lifecycle import Status
from tickets.onsite.models import Diagnosis
from tickets.services import ticket_transition

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BOUGHT = dt.date(2026, 3, 1)


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def quality(db):
    return UserFactory(username="quinn", roles=["quality"])


def local(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def an_appliance(area, *, bought=BOUGHT, serial=None, **kwargs):
    extra = {"serial_number": serial} if serial else {}
    appliance = ApplianceFactory(purchase_date=bought, customer__address=None, **extra, **kwargs)
    AddressFactory(customer=appliance.customer, area=area)
    return appliance


def repaired(appliance, engineer, *, fault="not_cooling", cause="defect"):
    """A completed repair of the appliance, diagnosed with `fault`."""
    return finish_repair(ticket_create(appliance=appliance), engineer, fault=fault, cause=cause)


def finish_repair(ticket, engineer, *, fault="not_cooling", cause="defect"):
    on_site(ticket, engineer)
    Diagnosis.objects.create(
        ticket=ticket, engineer=engineer, fault=fault, cause=cause, fault_class="standard"
    )
    ticket_transition(ticket=ticket, to=Status.COMPLETED, actor=engineer)
    ticket.refresh_from_db()
    return ticket


def on_site(ticket, engineer):
    ticket_transition(
        ticket=ticket, to=Status.ASSIGNED, actor=None, data={"engineer_user_id": engineer.pk}
    )
    for to in (Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SITE):
        ticket_transition(ticket=ticket, to=to, actor=engineer)
    ticket.refresh_from_db()
    return ticket
