"""Creating many rows with their history rows by PostgreSQL's COPY.

``bulk_create_with_history`` prepares every field of every object through
Django's field machinery, twice (the row and its history row): for a
200,000-row import that is most of the time spent writing. COPY takes the
attribute values as they are (psycopg adapts dates, datetimes, booleans,
numbers and text) and still fires the tables' statement-level triggers, so
the tallies stay right. It runs inside the caller's transaction; the caller
decides when it applies (``connection.vendor == "postgresql"``) and uses
``bulk_create_with_history`` elsewhere.

Only for objects whose fields are all set already (as ``bulk_create`` would
write them: no ``save()`` is called, no signal is sent).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys from the table's sequence: one query."""
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
            "FROM generate_series(1, %s)",
            [table, pk, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """COPY ``rows`` (tuples in the order of ``columns``) into ``table``."""
    quote = connection.ops.quote_name
    statement = (
        f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    )
    with connection.cursor() as cursor:
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def create_with_history(
    objects: Sequence[models.Model],
    *,
    history_user: Any,
    change_reason: str,
    history_date: datetime,
) -> None:
    """Insert ``objects`` (one model, primary keys unset) and one "created"
    history row each; set their primary keys. Two statements plus one
    query for the keys."""
    if not objects:
        return
    model = type(objects[0])
    for obj, pk in zip(objects, reserve_ids(model, len(objects)), strict=True):
        obj.pk = pk
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(
                field, "auto_now_add", False
            ):
                setattr(obj, field.attname, history_date)
    # Fields left to their database default (``db_default``) take it.
    fields = [
        model._meta.pk,
        *(
            f
            for f in _columns(model)
            if not isinstance(getattr(objects[0], f.attname), DatabaseDefault)
        ),
    ]
    copy_rows(
        model._meta.db_table,
        [f.column for f in fields],
        ([getattr(obj, f.attname) for f in fields] for obj in objects),
    )
    history = model.history.model
    tracked = [
        f
        for f in history._meta.concrete_fields
        if not f.name.startswith("history_") and f.attname in _attnames(model)
    ]
    user_id = getattr(history_user, "pk", None)
    copy_rows(
        history._meta.db_table,
        [f.column for f in tracked]
        + [
            "history_date",
            "history_change_reason",
            "history_type",
            "history_user_id",
        ],
        (
            [getattr(obj, f.attname) for f in tracked]
            + [history_date, change_reason, "+", user_id]
            for obj in objects
        ),
    )


def _attnames(model: type[models.Model]) -> set[str]:
    return {f.attname for f in model._meta.concrete_fields}
