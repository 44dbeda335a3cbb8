"""Where the generator's rows go: COPY on PostgreSQL, executemany on SQLite.

Rows are plain tuples in the order of the field names given (attnames for
foreign keys, e.g. ``organization_id``), so the generator never builds a
model instance for bulk data. On PostgreSQL the secondary indexes, unique
and foreign-key constraints of the bulk tables are dropped before the load
and recreated after it, two at a time (this machine has two cores): building
an index once over sorted data is several times faster than keeping it up to
date row by row, and a foreign key is checked once by a join instead of once
per row.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

SQLITE_BATCH = 2_000


def table(model: type) -> str:
    return model._meta.db_table


def columns(model: type, fields: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in fields]


class Sink:
    """Writes rows of a model, and counts them by table."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def write(self, model: type, fields: Sequence[str], rows: Iterable[tuple]) -> int:
        started = time.perf_counter()
        name = table(model)
        cols = columns(model, fields)
        quoted = ", ".join(connection.ops.quote_name(c) for c in cols)
        count = 0
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                marks = ", ".join(["%s"] * len(cols))
                sql = f"INSERT INTO {name} ({quoted}) VALUES ({marks})"
                batch: list[tuple] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= SQLITE_BATCH:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        self.counts[name] = self.counts.get(name, 0) + count
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        return count

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount


# ---------------------------------------------------------------- PostgreSQL


@dataclass
class Deferred:
    """A constraint or index dropped for the load, to recreate after it."""

    table: str
    name: str
    sql: str
    kind: str  # "index", "unique", "foreign key"


def drop_secondary(tables: Iterable[str]) -> list[Deferred]:
    """Drop the non-primary indexes, unique and foreign-key constraints of
    ``tables`` (PostgreSQL); return what recreates them. Check constraints
    stay: they cost little per row and catch a generator bug at once."""
    deferred: list[Deferred] = []
    with connection.cursor() as cursor:
        for name in tables:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') "
                "ORDER BY contype DESC, conname",
                [name],
            )
            for conname, definition, contype in cursor.fetchall():
                deferred.append(
                    Deferred(
                        name,
                        conname,
                        f'ALTER TABLE {name} ADD CONSTRAINT "{conname}" {definition}',
                        "foreign key" if contype == "f" else "unique",
                    )
                )
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
                "WHERE k.conindid = i.indexrelid AND k.contype IN ('u', 'p', 'x'))",
                [name],
            )
            for relname, definition in cursor.fetchall():
                deferred.append(Deferred(name, relname, definition, "index"))
        # Foreign keys first: a unique constraint may be referenced by one.
        for item in sorted(deferred, key=lambda d: d.kind != "foreign key"):
            if item.kind == "index":
                cursor.execute(f'DROP INDEX "{item.name}"')
            else:
                cursor.execute(
                    f'ALTER TABLE {item.table} DROP CONSTRAINT "{item.name}"'
                )
    return deferred


def recreate(
    deferred: list[Deferred],
    *,
    sizes: dict[str, int],
    workers: int = 2,
    say: Callable[[str], None] = lambda text: None,
) -> float:
    """Recreate indexes and unique constraints, then foreign keys, on
    ``workers`` connections at once, biggest tables first. Returns seconds."""
    import psycopg

    started = time.perf_counter()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)

    def run(items: list[Deferred]) -> None:
        queue = sorted(items, key=lambda d: -sizes.get(d.table, 0))
        lock = threading.Lock()
        errors: list[BaseException] = []

        def worker() -> None:
            with psycopg.connect(**params, autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '512MB'")
                conn.execute("SET max_parallel_maintenance_workers = 0")
                while True:
                    with lock:
                        if not queue or errors:
                            return
                        item = queue.pop(0)
                    began = time.perf_counter()
                    try:
                        conn.execute(item.sql)
                    except BaseException as error:  # re-raised below
                        errors.append(error)
                        return
                    say(
                        f"  {item.kind} {item.name} on {item.table}: "
                        f"{time.perf_counter() - began:.1f} s"
                    )

        threads = [threading.Thread(target=worker) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    run([d for d in deferred if d.kind != "foreign key"])
    run([d for d in deferred if d.kind == "foreign key"])
    return time.perf_counter() - started


def reset_sequences(models: Iterable[type]) -> None:
    """Identity columns continue after the ids the generator chose."""
    with connection.cursor() as cursor:
        for model in models:
            name = table(model)
            pk = model._meta.pk.column
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                    f"COALESCE((SELECT MAX({pk}) FROM {name}), 0) + 1, false)",
                    [name, pk],
                )


def set_triggers(tables: Iterable[str], *, enabled: bool) -> None:
    """Turn the user triggers of tables off (for a bulk load) or back on."""
    action = "ENABLE" if enabled else "DISABLE"
    with connection.cursor() as cursor:
        for name in tables:
            cursor.execute(f"ALTER TABLE {name} {action} TRIGGER USER")
