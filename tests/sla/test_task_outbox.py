"""The task outbox: with Redis down intake still works and nothing queued is lost; when
Redis returns everything is published once."""

import os
import shutil
import socket
import subprocess
import time

import pytest
import redis

from tests.sla.conftest import clock, make_ticket
from tickets.models import OutboundMessage, TaskOutbox
from tickets.taskqueue import enqueue_task, relay_outbox

# One private Redis per xdist worker: two tests of this file may run at the same time.
PORT = 8303 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) * 10


def _start_redis():
    proc = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(PORT), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.05)  # waiting for a server process to listen, not for app time
    proc.kill()
    raise RuntimeError("private redis did not start")


@pytest.fixture
def private_broker():
    """Point the Celery app at a private Redis that the test may stop and start."""
    from config.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{PORT}/0"
    _reset_pools(app)
    state = {"proc": None}
    yield state
    if state["proc"]:
        state["proc"].kill()
        state["proc"].wait()
    app.conf.broker_url = old
    _reset_pools(app)


def _reset_pools(app):
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def _queued():
    return redis.Redis(port=PORT).llen("celery")


@pytest.mark.django_db
def test_intake_with_redis_down_keeps_everything_and_delivers_once_later(
    private_broker, sla_world, django_capture_on_commit_callbacks
):
    from django.db import transaction

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            ticket = make_ticket()
            enqueue_task("tickets.sla_recompute_calendar", calendar_id=1)
    assert time.monotonic() - started < 5  # the request does not hang on the broker
    assert ticket.pk and clock(ticket, "arrival").state == "running"
    assert OutboundMessage.objects.filter(ticket=ticket, purpose="acknowledgement").exists()
    row = TaskOutbox.objects.get(name="tickets.sla_recompute_calendar")
    assert row.sent_at is None
    waiting = TaskOutbox.objects.filter(sent_at__isnull=True).count()
    assert waiting >= 1  # with any task other apps queue on intake
    assert relay_outbox() == 0  # still down: the rows wait
    assert TaskOutbox.objects.filter(sent_at__isnull=True).count() == waiting

    private_broker["proc"] = _start_redis()
    assert relay_outbox() == waiting
    row.refresh_from_db()
    assert row.sent_at is not None
    assert relay_outbox() == 0
    assert _queued() == waiting  # each delivered once


@pytest.mark.django_db(transaction=True)
def test_the_relay_publishes_a_task_once_its_transaction_commits(private_broker):
    """The request only writes the row; the relay process (LISTEN) publishes it as soon as
    the transaction commits, once, and the beat relay finds nothing left to do."""
    import threading

    from django.db import connection, transaction

    from tickets.taskqueue import relay_listen

    private_broker["proc"] = _start_redis()
    stop = threading.Event()

    def relay():
        try:
            relay_listen(idle_seconds=60, should_stop=stop.is_set)
        finally:
            connection.close()

    thread = threading.Thread(target=relay, daemon=True)
    thread.start()
    try:
        with transaction.atomic():
            enqueue_task("tickets.sla_sweep")
            assert _queued() == 0  # nothing leaves before the transaction commits
        # The relay's idle pass is a minute away: only the commit's notification can wake it.
        # The relay publishes, then commits the row's sent_at: wait for both.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (
            _queued() and TaskOutbox.objects.filter(sent_at__isnull=False).exists()
        ):
            time.sleep(0.02)  # waiting for another thread's publish, not for app time
        assert _queued() == 1
        assert TaskOutbox.objects.get().sent_at is not None
        assert relay_outbox() == 0
        assert _queued() == 1
    finally:
        stop.set()
        with connection.cursor() as cursor:  # wake the relay so it sees the stop
            cursor.execute("NOTIFY task_outbox")
        thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.mark.django_db
def test_rolled_back_operation_leaves_no_task(private_broker):
    from django.db import transaction

    private_broker["proc"] = _start_redis()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            enqueue_task("tickets.sla_sweep")
            raise RuntimeError("the operation failed")
    assert not TaskOutbox.objects.exists()
    assert relay_outbox() == 0 and _queued() == 0
