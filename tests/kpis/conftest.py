import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from tests.dispatch.factories import EngineerFactory, ServicePointFactory
from tests.factories import AddressFactory, ApplianceFactory, ServiceAreaFactory, UserFactory
from tickets.lifecycle import Status
from tickets.services import ticket_create, ticket_event_record, ticket_transition

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Monday 09:00 in Shanghai, a month back: every job below happens after it.
BASE = (
    (timezone.now() - dt.timedelta(days=75))
    .astimezone(SHANGHAI)
    .replace(hour=9, minute=0, second=0, microsecond=0)
)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _broker_backoff_reset():
    from tickets import taskqueue

    taskqueue._broker_down_until = 0.0


@pytest.fixture
def world(db, warranty_policies):
    north = ServiceAreaFactory(code="QD-N", name="North", city="Qingdao")
    south = ServiceAreaFactory(code="QD-S", name="South", city="Qingdao")
    manager = UserFactory(username="pm-north", roles=["dispatcher"])
    p_north = ServicePointFactory(name="North point", areas=[north], manager=manager)
    p_south = ServicePointFactory(name="South point", areas=[south])
    e1 = EngineerFactory(service_point=p_north, user__username="eng-n1")
    e2 = EngineerFactory(service_point=p_north, user__username="eng-n2")
    e3 = EngineerFactory(service_point=p_south, user__username="eng-s1")
    return SimpleNamespace(
        north=north,
        south=south,
        p_north=p_north,
        p_south=p_south,
        e1=e1,
        e2=e2,
        e3=e3,
        manager=manager,
    )


def appliance_in(area):
    appliance = ApplianceFactory(purchase_date=BASE.date() - dt.timedelta(days=30))
    appliance.customer.addresses.all().delete()
    AddressFactory(customer=appliance.customer, area=area)
    return appliance


def at(moment):
    return time_machine.travel(moment, tick=False)


def open_ticket(
    area, when, *, appliance=None, priority="normal", related_ticket=None, service_type="repair"
):
    appliance = appliance or appliance_in(area)
    window = {}
    if priority == "appointment":
        window = {"preferred_start": when + 18 * H, "preferred_end": when + 22 * H}
    with at(when):
        return ticket_create(
            **window,
            customer=appliance.customer,
            appliance=appliance,
            channel="hotline",
            fault_description="Not cooling",
            priority=priority,
            related_ticket=related_ticket,
            service_type=service_type,
        )


def move(ticket, when, to, actor=None, **data):
    with at(when):
        ticket_transition(ticket=ticket, to=to, actor=actor, data=data or None)


def record(ticket, when, kind, actor=None, **data):
    with at(when):
        ticket.refresh_from_db()
        ticket_event_record(ticket=ticket, kind=kind, actor=actor, data=data)


def job(
    area,
    engineer,
    start,
    *,
    appliance=None,
    visits=1,
    fault="not_cooling",
    manual=False,
    complete=True,
    reached=H,
    arrive=3 * H,
    took=4 * H,
    parts_wait=None,
    fault_class="standard",
    related_ticket=None,
    priority="normal",
    service_type="repair",
):
    """A repair (or a job of `service_type`) through the lifecycle at known times: reported
    at `start`, assigned to `engineer` (by hand when `manual`), the customer reached after
    `reached`, on site after `arrive`, completed after `took` (plus time on further visits
    or waiting for parts)."""
    t = open_ticket(
        area,
        start,
        appliance=appliance,
        priority=priority,
        related_ticket=related_ticket,
        service_type=service_type,
    )
    u = engineer.user
    if fault_class != "standard":
        from tickets.models import Ticket

        Ticket.objects.filter(pk=t.pk).update(fault_class=fault_class)
    move(
        t,
        start + 5 * dt.timedelta(minutes=1),
        Status.ASSIGNED,
        None,
        engineer_user_id=u.pk,
        manual=manual,
    )
    move(t, start + 10 * dt.timedelta(minutes=1), Status.ACCEPTED, u)
    record(t, start + reached, "customer_call", u, outcome="reached", engineer_user_id=u.pk)
    window = start + arrive
    move(
        t,
        start + reached + dt.timedelta(minutes=1),
        Status.SCHEDULED,
        u,
        window_start=(window - H).isoformat(),
        window_end=(window + H).isoformat(),
    )
    move(t, start + arrive, Status.ON_SITE, u, check_in=True)
    record(t, start + arrive + dt.timedelta(minutes=5), "diagnosis", u, fault=fault)
    now = start + arrive
    for _ in range(visits - 1):
        move(
            t,
            now + 20 * dt.timedelta(minutes=1),
            Status.SCHEDULED,
            u,
            window_start=(now + D).isoformat(),
            window_end=(now + D + H).isoformat(),
        )
        now += D
        move(t, now, Status.ON_SITE, u, check_in=True)
    if parts_wait is not None:
        now += 30 * dt.timedelta(minutes=1)
        move(t, now, Status.WAITING_FOR_PARTS, u)
        now += parts_wait
        move(t, now, Status.ON_SITE, u, check_in=True)
    if complete:
        move(t, now + (took - arrive), Status.COMPLETED, u, outcome="fixed")
    t.refresh_from_db()
    return t


def catch_up():
    from kpis.services import rollups_catch_up

    return rollups_catch_up()


def fact(ticket, kpi):
    from kpis.models import KpiFact

    return KpiFact.objects.filter(ticket=ticket, kpi=kpi).first()
