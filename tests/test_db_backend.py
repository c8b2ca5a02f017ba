"""The database backend's health check: a live idle connection is kept without asking the
server; one the server ended is replaced before the request uses it."""

import time

import psycopg2
import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_live_idle_connection_passes_without_a_round_trip():
    pid = _backend_pid()
    assert connection.is_usable()
    # The server saw nothing after our last statement (Django's own check sends SELECT 1).
    with psycopg2.connect(**connection.get_connection_params()) as other, other.cursor() as cur:
        cur.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        (last,) = cur.fetchone()
    assert last == "SELECT pg_backend_pid()"


def test_a_connection_the_server_ended_is_replaced_before_use():
    pid = _backend_pid()
    with psycopg2.connect(**connection.get_connection_params()) as other, other.cursor() as cur:
        other.autocommit = True
        cur.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.01)  # the server's goodbye arrives asynchronously
    assert not connection.is_usable()
    connection.health_check_enabled, connection.health_check_done = True, False
    connection.close_if_health_check_failed()
    assert _backend_pid() != pid  # a new session, and the query worked
