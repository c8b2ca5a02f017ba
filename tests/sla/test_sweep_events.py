"""The sweep writes its events through the tickets service, so every registered handler
sees them; the project has one beat schedule."""

import datetime as dt
import subprocess
import sys

import pytest
import time_machine

from tests.sla.conftest import MONDAY_10, assign, make_ticket
from tickets import hooks
from tickets.models import TicketEvent
from tickets.services import ticket_events_record_many
from tickets.sla.services import sla_sweep


@pytest.fixture
def seen():
    events = []

    def handler(*, ticket, event, actor):
        events.append((ticket.pk, event.kind, event.pk))

    hooks.on_event(handler)
    yield events
    hooks._many[hooks.EVENT].remove(handler)


@pytest.mark.django_db
def test_event_handlers_see_the_sweeps_warnings_breaches_and_escalations(
    sla_world, engineer_user, dispatcher, seen
):
    with time_machine.travel(MONDAY_10, tick=False) as t:
        ticket = make_ticket()
        assign(ticket, engineer_user)
        t.shift(dt.timedelta(minutes=8))
        sla_sweep()
        t.shift(dt.timedelta(minutes=3))
        sla_sweep()
    kinds = {kind for ticket_id, kind, _pk in seen if ticket_id == ticket.pk}
    assert {"sla_warning", "sla_breached", "sla_escalated"} <= kinds
    written = TicketEvent.objects.filter(ticket=ticket, kind__startswith="sla_")
    assert {pk for _t, kind, pk in seen if kind.startswith("sla_")} == set(
        written.values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_batch_record_refuses_an_unknown_kind_and_writes_nothing(sla_world):
    ticket = make_ticket()
    before = TicketEvent.objects.count()
    with pytest.raises(ValueError):
        ticket_events_record_many(
            events=[
                {"ticket": ticket, "kind": "note"},
                {"ticket_id": ticket.pk, "kind": "made_up"},
            ]
        )
    assert TicketEvent.objects.count() == before


def test_one_beat_schedule_lists_every_periodic_task_without_starting_django_apps():
    # Beat reads config.celery; nothing else may add to the schedule at start-up.
    code = (
        "from config.celery import app; import json; "
        "print(json.dumps({k: v['task'] for k, v in app.conf.beat_schedule.items()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    import json

    assert json.loads(out.strip().splitlines()[-1]) == {
        "sla-sweep": "tickets.sla_sweep",
        "task-outbox-relay": "tickets.relay_task_outbox",
        "dispatch-sweep": "dispatch.tasks.sweep",
        "complaints-sweep": "callbacks.complaints_sweep",
        "kpis-rollups": "kpis.rollups_catch_up",
        "callbacks-sweep": "callbacks.sweep",
        "parts-overdue-returns": "spareparts.flag_overdue_returns",
        "proactive-plans": "proactive.plans_generate",
    }
    import dispatch.tasks

    assert not hasattr(dispatch.tasks, "install_beat")
