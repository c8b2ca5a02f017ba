"""Row inserts for the hot paths (a ticket's intake, its events, the outbox rows) at about
a third of the ORM's CPU per row.

`Model.objects.create()` compiles its INSERT anew for every row, about 0.15 ms of Python,
and a ticket's intake writes nine rows; `bulk_create` on PostgreSQL also casts every
column for an UNNEST the server must plan. Here the statement is built once per (model,
number of rows, options) from the model's own table and column names, and each value goes
through its field's `pre_save` and `get_db_prep_save`, exactly as `save()` sends it.

Inserts only, and no save signals: not for a model whose `save()` does more than store its
fields (see `Customer.save`), nor where a receiver of `post_save` must run.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db import connection
from django.db.models import Model
from django.db.models.fields import NOT_PROVIDED


def insert(objs: Sequence[Model], *, skip_conflicts: bool = False) -> Sequence[Model]:
    """INSERT these unsaved instances of one model in one statement and set their primary
    keys, as `save()` would. `skip_conflicts`: ON CONFLICT DO NOTHING (a row a unique
    constraint refuses is skipped, and no primary keys are set, as with `bulk_create`)."""
    model = type(objs[0])
    for obj in objs:
        if type(obj) is not model:
            raise TypeError(f"one model per insert: {model.__name__} and {type(obj).__name__}")
        if not obj._state.adding:
            raise ValueError(f"{obj!r} is stored already: save() it instead")
        obj._prepare_related_fields_for_save(operation_name="insert")
    sql, fields, returning = _statement(model, len(objs), skip_conflicts)
    params = []
    for obj in objs:
        params += [
            field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields
        ]
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


@functools.cache
def _statement(model: type[Model], rows: int, skip_conflicts: bool) -> tuple[str, tuple, tuple]:
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{model.__name__}: multi-table inheritance is not supported here")
    fields = tuple(
        f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated
    )
    if any(f.db_default is not NOT_PROVIDED or hasattr(f, "get_placeholder") for f in fields):
        raise TypeError(f"{model.__name__}: a field of it needs the ORM's own insert")
    returning = () if skip_conflicts else tuple(meta.db_returning_fields)
    quote = connection.ops.quote_name
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
