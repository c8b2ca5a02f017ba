"""Reads that may go to a read replica (DATABASE_REPLICA_URL): the dashboard, its lists and
exports ask for it with `replica_reads`; everything else (writes, the catch-up, anything
that reads what it just wrote) stays on the primary. A replica that cannot be reached is
left alone for a while and the primary answers instead.

Install with `DATABASE_ROUTERS = ["kpis.db.ReplicaRouter"]` (config/settings.py does when
DATABASE_REPLICA_URL is set)."""

import contextvars
import functools
import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
RETRY_AFTER_S = 30.0
_wanted = contextvars.ContextVar("kpis_replica_reads", default=False)
_down_until = [0.0]


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _mark_down(exc: Exception) -> None:
    log.warning("read replica unavailable, reading from the primary: %s", exc)
    _down_until[0] = time.monotonic() + RETRY_AFTER_S
    try:
        connections[REPLICA].close()
    except DatabaseError:
        pass


def replica_available() -> bool:
    if not replica_configured() or time.monotonic() < _down_until[0]:
        return False
    try:
        connections[REPLICA].ensure_connection()
    except (OperationalError, InterfaceError) as exc:
        _mark_down(exc)
        return False
    return True


def read_alias() -> str:
    """The alias reads would use now: the replica inside `replica_reads`, when it is up."""
    return REPLICA if _wanted.get() and replica_available() else "default"


@contextmanager
def replica_reads():
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


def reads_from_replica(view):
    """View decorator: the view's reads go to the replica; if the replica fails mid-way
    (stopped, promoted, cut off), the view runs again on the primary."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not replica_configured():
            return view(request, *args, **kwargs)
        try:
            with replica_reads():
                return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            if not _replica_failed():
                raise
            _mark_down(exc)
            return view(request, *args, **kwargs)

    return wrapped


def _replica_failed() -> bool:
    conn = connections[REPLICA]
    if conn.connection is None:
        return True
    try:
        return not conn.is_usable()
    except DatabaseError:
        return True


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _wanted.get() and replica_available() else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
