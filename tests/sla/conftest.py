import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import ApplianceFactory, ServiceAreaFactory, ticket_create
from tickets.lifecycle import Status
from tickets.services import ticket_transition

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A Monday, 10:00 in Shanghai: inside the default service hours.
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def make_ticket(*, area=None, priority="normal", **kwargs):
    """A ticket through the real intake: in warranty, so it is ready for dispatch."""
    from tests.factories import AddressFactory

    area = area or ServiceAreaFactory(code="QD-SN", name="Shinan", city="Qingdao")
    appliance = ApplianceFactory(
        purchase_date=timezone.localdate() - dt.timedelta(days=30), customer__address=None
    )
    AddressFactory(customer=appliance.customer, area=area)
    if priority == "appointment" and "preferred_start" not in kwargs:
        now = timezone.now()
        kwargs["preferred_start"] = now + dt.timedelta(hours=20)
        kwargs["preferred_end"] = now + dt.timedelta(hours=22)
    return ticket_create(appliance=appliance, priority=priority, **kwargs)


def assign(ticket, engineer):
    ticket_transition(
        ticket=ticket,
        to=Status.ASSIGNED,
        actor=None,
        reason="auto",
        data={"engineer_user_id": engineer.pk},
    )


def move(ticket, to, actor, **kw):
    ticket_transition(ticket=ticket, to=to, actor=actor, **kw)


def clock(ticket, kind, **filters):
    from tickets.models import SlaClock

    return SlaClock.objects.filter(ticket=ticket, kind=kind, **filters).order_by("-id").first()


@pytest.fixture
def sla_world(db, warranty_policies, area):
    return {"area": area}


@pytest.fixture(autouse=True)
def _broker_backoff_reset():
    from tickets import taskqueue

    taskqueue._broker_down_until = 0.0
    yield
    taskqueue._broker_down_until = 0.0


@pytest.fixture
def transactional_db(transactional_db):
    """A transactional test's flush empties every table, data-migration rows included (the
    role groups, the default SLA policies): put them back for the test that needs them."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    from tickets.roles import ROLE_PERMISSIONS

    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    importlib.import_module("tickets.migrations.0004_sla_defaults").seed(apps, None)
