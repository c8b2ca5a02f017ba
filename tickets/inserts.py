"""Row inserts for the intake path only: `ticket_create` and `customer_create` (and the rows
they write with them: events, the acknowledgement, clocks, outbox rows, the request's
idempotency key), at about a third of the ORM's CPU per row. Everything else writes and
reads with the plain ORM (tests/test_inserts.py keeps the list of modules that import this).

`Model.objects.create()` compiles its INSERT anew for every row, about 0.15 ms of Python,
and a ticket's intake writes eleven rows; `bulk_create` on PostgreSQL also casts every
column for an UNNEST the server must plan. Here the statement is built once per (model,
number of rows, options) from the model's own table and column names, and each value goes
through its field's `pre_save` and `get_db_prep_save`, exactly as `save()` sends it.

`insert_later` is for rows nobody reads back in the same request (events, outbox rows,
clocks): inside `batched_inserts()` their INSERTs wait and go to the server together, in
one round trip, just before the connection runs any other statement or when the block
ends, so the transaction sees them exactly where it would have.

`insert_later(..., with_keys=True)` gives each row its primary key from a block of ids the
process reserved ahead, so that the rows after it can refer to it (an intake's customer,
address, appliance and ticket join the batch too).

Inserts only, and no save signals: not for a model whose `save()` does more than store its
fields (see `Customer.save`), nor where a receiver of `post_save` must run.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.db.models.fields import NOT_PROVIDED
from django.db.transaction import TransactionManagementError


def insert(objs: Sequence[Model], *, skip_conflicts: bool = False) -> Sequence[Model]:
    """INSERT these unsaved instances of one model in one statement and set their primary
    keys, as `save()` would. `skip_conflicts`: ON CONFLICT DO NOTHING (a row a unique
    constraint refuses is skipped, and no primary keys are set, as with `bulk_create`)."""
    # The connection itself, not the `django.db.connection` proxy: each of a row's fields
    # reads its operations, and every read through the proxy is a context-local look-up.
    connection = connections[DEFAULT_DB_ALIAS]
    sql, params, returning = _prepared(objs, connection, skip_conflicts, returning=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            for obj, row in zip(objs, cursor.fetchall(), strict=True):
                for field, value in zip(returning, row, strict=True):
                    setattr(obj, field.attname, value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def insert_one(obj: Model) -> Model:
    insert([obj])
    return obj


def insert_later(
    objs: Sequence[Model], *, skip_conflicts: bool = False, with_keys: bool = False
) -> None:
    """INSERT these unsaved instances of one model, without reading anything back. Inside
    `batched_inserts()` the statement waits for the block's next round trip; elsewhere it
    runs now. The values are taken now either way.

    `with_keys`: each row gets its primary key at once, from the ids this process
    reserved ahead (`reserved_value`), so that rows queued after it can refer to it.
    Otherwise the primary keys stay unset."""
    connection = connections[DEFAULT_DB_ALIAS]
    sql, params, _returning = _prepared(
        objs, connection, skip_conflicts, returning=False, with_keys=with_keys
    )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    batch = getattr(_batches, "open", None)
    if batch is not None:
        batch.statements.append((sql, params))
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class _Batch:
    def __init__(self, connection):
        self.connection = connection
        self.statements: list[tuple[str, list]] = []

    def flush(self) -> None:
        if not self.statements:
            return
        statements, self.statements = self.statements, []
        params = [value for _sql, values in statements for value in values]
        with self.connection.cursor() as cursor:
            cursor.execute(";\n".join(sql for sql, _values in statements), params)

    def before_statement(self, execute, sql, params, many, context):
        """Django execute wrapper: whatever waits goes first, so that every statement of
        the transaction, reads and savepoints included, sees the rows it would have."""
        self.flush()
        return execute(sql, params, many, context)


_batches = threading.local()


@contextmanager
def batched_inserts() -> Iterator[None]:
    """Send the `insert_later` rows of this block together. Open it inside the transaction
    (`transaction.atomic()`) that should hold them: the last rows go when the block ends,
    before that transaction commits. Nested blocks join the outermost one."""
    connection = connections[DEFAULT_DB_ALIAS]
    if getattr(_batches, "open", None) is not None:
        yield
        return
    if not connection.in_atomic_block:
        raise TransactionManagementError("batched_inserts() needs an open transaction.")
    batch = _batches.open = _Batch(connection)
    try:
        with connection.execute_wrapper(batch.before_statement):
            try:
                yield
            except DatabaseError:
                # The transaction failed: nothing more can run in it. What waits was
                # queued after its last statement and goes with its rollback.
                batch.statements.clear()
                raise
            finally:
                # A failure of another kind leaves the transaction usable (the caller may
                # catch it inside), so what was queued is written as it would have been.
                batch.flush()
    finally:
        _batches.open = None


# --- values of sequences reserved ahead --------------------------------------------------

RESERVED_BLOCK = 32


class _Reserved:
    """Values of Postgres sequences taken a block at a time (one round trip per block):
    unique, increasing within this process, interleaved with other processes' blocks
    (order rows by their time, not by id). A gap is left by what a process never used."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.values: dict[str, deque[int]] = {}

    def next(self, sequence: str) -> int:
        with self.lock:
            if self.pid != os.getpid():  # a forked child must not reuse its parent's block
                self.pid, self.values = os.getpid(), {}
            values = self.values.get(sequence)
            if values:
                return values.popleft()
        # A new block is read without the lock held: through Django's cursor a batch
        # waiting goes first (once a block), and its INSERT may wait for another
        # transaction (a unique key being decided) that needs a value to finish.
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, RESERVED_BLOCK]
            )
            fetched = [v for (v,) in cursor]
        with self.lock:
            values = self.values.get(sequence) or deque()
            values = self.values[sequence] = deque(sorted([*values, *fetched]))
            return values.popleft()


_reserved = _Reserved()


def reserved_value(sequence: str) -> int:
    """The next value of this Postgres sequence from this process's reserved block."""
    return _reserved.next(sequence)


@functools.cache
def _id_sequence(model: type[Model]) -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, %s)",
            [connection.ops.quote_name(meta.db_table), meta.pk.column],
        )
        (sequence,) = cursor.fetchone()
    if sequence is None:
        raise TypeError(f"{model.__name__}: its primary key has no sequence")
    return sequence


def _prepared(objs, connection, skip_conflicts: bool, *, returning: bool, with_keys=False):
    model = type(objs[0])
    for obj in objs:
        if type(obj) is not model:
            raise TypeError(f"one model per insert: {model.__name__} and {type(obj).__name__}")
        if not obj._state.adding:
            raise ValueError(f"{obj!r} is stored already: save() it instead")
        obj._prepare_related_fields_for_save(operation_name="insert")
    if with_keys:  # only once every row passed the checks: a refused call takes no ids
        sequence = _id_sequence(model)
        for obj in objs:
            if obj.pk is None:
                obj.pk = reserved_value(sequence)
    sql, fields, returned = _statement(model, len(objs), skip_conflicts, returning, with_keys)
    params = []
    for obj in objs:
        params += [
            field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields
        ]
    return sql, params, returned


@functools.cache
def _statement(
    model: type[Model], rows: int, skip_conflicts: bool, returning: bool, with_keys: bool = False
) -> tuple[str, tuple, tuple]:
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{model.__name__}: multi-table inheritance is not supported here")
    fields = tuple(
        f
        for f in meta.local_concrete_fields
        if (with_keys or f is not meta.auto_field) and not f.generated
    )
    if any(f.db_default is not NOT_PROVIDED or hasattr(f, "get_placeholder") for f in fields):
        raise TypeError(f"{model.__name__}: a field of it needs the ORM's own insert")
    returning = tuple(meta.db_returning_fields) if returning and not skip_conflicts else ()
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * rows)}"
    )
    if skip_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(quote(f.column) for f in returning)
    return sql, fields, returning
