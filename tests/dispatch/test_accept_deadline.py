"""The accept deadline has one source, the SLA policy: what the engineer is texted and shown,
what the dispatcher sees and when the job is taken back all agree."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from dispatch import services, tasks
from dispatch.models import Assignment
from tests.dispatch.factories import EngineerFactory, km_north
from tickets.models import OutboundMessage
from tickets.sla.models import SlaTarget
from tickets.sla.services import sla_sweep
from tickets.sla.targets import accept_due_at, accept_target

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def sweep_everything():
    sla_sweep()
    tasks.sweep()


def test_the_policys_accept_target_is_texted_shown_and_enforced(make_ticket, client, dispatcher):
    SlaTarget.objects.filter(kind="accept").update(minutes=12)
    first = EngineerFactory(phone="13800000001", home_lat=km_north(36.07, 1))
    second = EngineerFactory(home_lat=km_north(36.07, 2))
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        ticket = make_ticket()
        assert accept_target(ticket) == dt.timedelta(minutes=12)
        assignment = services.ticket_dispatch_auto(ticket_id=ticket.pk)
        assert assignment.engineer == first
        assert assignment.accept_due_at == MONDAY_10 + dt.timedelta(minutes=12)

        sms = OutboundMessage.objects.get(to="13800000001", purpose="new_job")
        assert "within 12 minutes (by 10:12)" in sms.body

        client.force_login(first.user)
        job_page = client.get(f"/m/jobs/{ticket.pk}/").content.decode()
        assert "Accept within 12 minutes, by 10:12." in job_page
        assert "Accept by 10:12" in client.get("/m/jobs/").content.decode()
        api = APIClient()
        api.force_authenticate(first.user)
        (job,) = api.get("/api/v1/engineer/jobs/").json()
        assert job["accept_minutes"] == 12
        assert dt.datetime.fromisoformat(job["accept_due_at"]) == MONDAY_10 + dt.timedelta(
            minutes=12
        )

        client.force_login(dispatcher)
        assert (
            "To accept by 10:12 (12 minutes"
            in client.get(f"/dispatch/tickets/{ticket.pk}/").content.decode()
        )
        queue = client.get("/dispatch/").content.decode()
        assert "10:12" in queue and "12 min" in queue

        # Not a second before the twelve minutes are up...
        traveller.move_to(MONDAY_10 + dt.timedelta(minutes=11, seconds=59))
        sweep_everything()
        assignment.refresh_from_db()
        assert assignment.state == Assignment.State.ACTIVE
        # ...and at twelve minutes the job is taken back.
        traveller.move_to(MONDAY_10 + dt.timedelta(minutes=12))
        sweep_everything()
        assignment.refresh_from_db()
        assert assignment.state == Assignment.State.TIMED_OUT
        assert assignment.end_code == "accept_timeout"
        # The dispatch sweep offered it to the next engineer straight away.
        assert Assignment.objects.live().get(ticket=ticket).engineer == second


def test_an_accept_target_in_service_hours_gives_the_clocks_deadline(make_ticket):
    from tickets.sla.models import SlaPolicy

    SlaTarget.objects.filter(kind="accept").update(minutes=12, service_hours_only=True)
    assert SlaPolicy.objects.filter(calendar__isnull=False).exists()
    # 11:55 on a Monday: the default service hours break for lunch at 12:00 until 13:00.
    before_lunch = MONDAY_10 + dt.timedelta(hours=1, minutes=55)
    with time_machine.travel(before_lunch, tick=False):
        ticket = make_ticket()
        due = accept_due_at(ticket, assigned_at=before_lunch)
        assert due == MONDAY_10 + dt.timedelta(hours=3, minutes=7)  # 13:07
        EngineerFactory()
        assignment = services.ticket_dispatch_auto(ticket_id=ticket.pk)
        assert assignment.accept_due_at == due
        clock = ticket.sla_clocks.get(kind="accept")
        assert clock.due_at == due
