"""A job taken from an engineer (declined, accept timeout, breached contact clock, taken back
by a dispatcher) never goes back to them automatically; only a dispatcher's hand-pick,
confirmed, may give it back."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from dispatch import services, tasks
from dispatch.models import Assignment, QueueEntry
from tests.dispatch.factories import EngineerFactory, km_north
from tickets.sla.models import TaskOutbox
from tickets.sla.services import sla_sweep

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def live(ticket):
    return Assignment.objects.live().filter(ticket=ticket).first()


def queued_dispatches(ticket) -> int:
    return TaskOutbox.objects.filter(
        name="dispatch.tasks.auto_dispatch", kwargs={"ticket_id": ticket.pk}
    ).count()


def run_queued(ticket):
    for row in TaskOutbox.objects.filter(
        name="dispatch.tasks.auto_dispatch", kwargs={"ticket_id": ticket.pk}, sent_at=None
    ):
        tasks.auto_dispatch(**row.kwargs)
        TaskOutbox.objects.filter(pk=row.pk).update(sent_at=row.created_at)


def _decline(engineer, ticket, traveller, dispatcher):
    services.assignment_decline(engineer=engineer, ticket_id=ticket.pk, reason="Too far")


def _accept_timeout(engineer, ticket, traveller, dispatcher):
    traveller.shift(dt.timedelta(minutes=10))
    sla_sweep()


def _contact_breach(engineer, ticket, traveller, dispatcher):
    services.assignment_accept(engineer=engineer, ticket_id=ticket.pk)
    traveller.shift(dt.timedelta(minutes=30))
    sla_sweep()


def _taken_back(engineer, ticket, traveller, dispatcher):
    services.assignment_take_back(
        ticket_id=ticket.pk,
        reason_code="vehicle_breakdown",
        detail="Gearbox",
        actor=dispatcher,
    )


@pytest.mark.parametrize(
    "take_away,code",
    [
        (_decline, "declined"),
        (_accept_timeout, "accept_timeout"),
        (_contact_breach, "contact_breach"),
        (_taken_back, "vehicle_breakdown"),
    ],
)
def test_a_job_taken_from_an_engineer_is_never_handed_back_to_them(
    make_ticket, dispatcher, take_away, code
):
    first = EngineerFactory(home_lat=km_north(36.07, 1))
    second = EngineerFactory(home_lat=km_north(36.07, 2))
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        ticket = make_ticket(priority="emergency")
        services.ticket_dispatch_auto(ticket_id=ticket.pk)
        assert live(ticket).engineer == first
        take_away(first, ticket, traveller, dispatcher)
        run_queued(ticket)
        taken = Assignment.objects.get(ticket=ticket, engineer=first)
        assert taken.end_code == code
        assert live(ticket).engineer == second
        # The second engineer turns it down too: nobody is left, the first is not asked.
        services.assignment_decline(engineer=second, ticket_id=ticket.pk, reason="Unwell")
        run_queued(ticket)
        traveller.shift(dt.timedelta(minutes=10))
        tasks.sweep()
        assert live(ticket) is None
        assert QueueEntry.objects.get(ticket=ticket).reason == QueueEntry.Reason.DECLINED


def test_a_decline_or_a_take_back_chooses_the_next_engineer_without_queueing_a_task(
    make_ticket, dispatcher
):
    a, b, _c = (EngineerFactory(home_lat=km_north(36.07, km)) for km in (1, 2, 3))
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    before = queued_dispatches(ticket)
    services.assignment_decline(engineer=a, ticket_id=ticket.pk, reason="Too far")
    assert live(ticket).engineer == b
    services.assignment_take_back(
        ticket_id=ticket.pk, reason_code="engineer_unavailable", actor=dispatcher
    )
    assert live(ticket).engineer not in (a, b)
    assert queued_dispatches(ticket) == before


def test_an_accept_timeout_queues_exactly_one_dispatch(make_ticket):
    EngineerFactory(home_lat=km_north(36.07, 1))
    EngineerFactory(home_lat=km_north(36.07, 2))
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        ticket = make_ticket()
        services.ticket_dispatch_auto(ticket_id=ticket.pk)
        before = queued_dispatches(ticket)
        traveller.shift(dt.timedelta(minutes=10))
        sla_sweep()
        assert queued_dispatches(ticket) == before + 1


def test_a_dispatcher_may_give_it_back_by_hand_after_confirming(make_ticket, dispatcher):
    first = EngineerFactory(home_lat=km_north(36.07, 1))
    EngineerFactory(home_lat=km_north(36.07, 2))
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    services.assignment_take_back(
        ticket_id=ticket.pk, reason_code="vehicle_breakdown", actor=dispatcher
    )
    with pytest.raises(services.OverrideNeeded) as exc:
        services.ticket_assign_manual(
            ticket_id=ticket.pk, engineer_id=first.pk, reason="Van fixed", actor=dispatcher
        )
    assert exc.value.rules == ["declined_before"]
    a = services.ticket_assign_manual(
        ticket_id=ticket.pk,
        engineer_id=first.pk,
        reason="Van fixed",
        actor=dispatcher,
        confirm_rules=["declined_before"],
    )
    assert live(ticket) == a and a.engineer == first and a.overridden_rules == ["declined_before"]


def test_take_back_page_and_api_need_a_reason_code_and_the_dispatching_role(
    client, make_ticket, dispatcher
):
    first = EngineerFactory(home_lat=km_north(36.07, 1))
    second = EngineerFactory(home_lat=km_north(36.07, 2))
    ticket = make_ticket()
    services.ticket_dispatch_auto(ticket_id=ticket.pk)
    client.force_login(dispatcher)
    url = f"/dispatch/tickets/{ticket.pk}/redispatch/"
    page = client.get(f"/dispatch/tickets/{ticket.pk}/").content.decode()
    assert "Engineer&#x27;s vehicle broke down" in page
    bad = client.post(url, {"reason_code": "other", "detail": ""})
    assert bad.status_code == 400 and "Say why the job is taken back." in bad.content.decode()
    assert live(ticket).engineer == first
    response = client.post(url, {"reason_code": "vehicle_breakdown", "detail": "Flat tyre"})
    assert response.status_code == 302
    assert live(ticket).engineer == second
    html = client.get(f"/dispatch/tickets/{ticket.pk}/").content.decode()
    assert "Engineer&#x27;s vehicle broke down" in html and "Flat tyre" in html

    api = APIClient()
    api.force_authenticate(dispatcher)
    api_url = f"/api/v1/dispatch/tickets/{ticket.pk}/redispatch/"
    wrong = api.post(api_url, {"reason_code": "bored"}, format="json")
    assert wrong.status_code == 400 and "reason_code" in wrong.json()["error"]["fields"]
    too_long = api.post(api_url, {"reason_code": "other", "detail": "x" * 501}, format="json")
    assert too_long.status_code == 400 and "detail" in too_long.json()["error"]["fields"]
    ok = api.post(api_url, {"reason_code": "customer_request"}, format="json")
    assert ok.status_code == 200 and ok.json() == {"assigned": False}
    assert Assignment.objects.get(ticket=ticket, engineer=second).end_code == "customer_request"
    again = api.post(api_url, {"reason_code": "customer_request"}, format="json")
    assert again.status_code == 409

    engineer_api = APIClient()
    engineer_api.force_authenticate(first.user)
    assert engineer_api.post(api_url, {"reason_code": "other"}, format="json").status_code == 403
    client.force_login(first.user)
    assert client.post(url, {"reason_code": "vehicle_breakdown"}).status_code == 403
