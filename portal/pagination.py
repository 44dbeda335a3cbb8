"""Keyset pagination for long lists (the member list of a province or a
nation), beside Django's paginator.

``?page=N`` alone still works as with Django's ``Paginator`` (an OFFSET);
the links this paginator writes carry a cursor as well, the sort key of the
last row shown (``after``) or of the first (``before``), so that following
"Next" to page 500 reads 50 rows from the index where page 499 stopped
instead of counting 24,950 rows first. "Last" reads the end of the list
backwards. The page number in the links is only shown, never used to find
the rows when a cursor is there.

The sort must end with a unique field (the primary key) and go one way: the
cursor filter is a row comparison, ``(search_key, id) > (%s, %s)``, which an
index on those columns answers directly on PostgreSQL (SQLite compares rows
too).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Count, F, Func, QuerySet, Window


class RowCompare(Func):
    """``(field, …) > (value, …)`` (or ``<``), as one boolean expression."""

    output_field = BooleanField()

    def __init__(self, fields: Sequence[str], values: Sequence[Any], op: str) -> None:
        if op not in (">", "<"):
            raise ValueError(op)
        self.values = list(values)
        self.op = op
        super().__init__(*[F(name) for name in fields])

    def as_sql(self, compiler, connection, **extra_context):
        sqls, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            sqls.append(sql)
            params.extend(expression_params)
        marks = ", ".join(["%s"] * len(self.values))
        return f"({', '.join(sqls)}) {self.op} ({marks})", [*params, *self.values]


def _field(model: type, lookup: str) -> Any:
    """The model field at the end of a lookup such as ``organization__path``."""
    parts = lookup.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    return model._meta.get_field(parts[-1])


def _value(obj: Any, lookup: str) -> Any:
    for part in lookup.split("__"):
        obj = getattr(obj, part)
    return obj


class KeysetPage:
    """What ``partials/keyset_pagination.html`` (and a template using
    ``page_obj`` like a Django page) needs."""

    def __init__(
        self,
        rows: list[Any],
        *,
        number: int,
        count: int,
        per_page: int,
        has_next: bool,
        has_previous: bool,
        cursor_of: Callable[[Any], str],
    ) -> None:
        self.object_list = rows
        self.number = number
        self.per_page = per_page
        self._has_next = has_next
        self._has_previous = has_previous
        self.paginator = _Totals(count, per_page)
        self.next_cursor = cursor_of(rows[-1]) if rows and has_next else ""
        self.previous_cursor = cursor_of(rows[0]) if rows and has_previous else ""

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self._has_previous

    def has_other_pages(self) -> bool:
        return self._has_next or self._has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return max(1, self.number - 1)

    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0


class _Totals:
    def __init__(self, count: int, per_page: int) -> None:
        self.count = count
        self.num_pages = max(1, math.ceil(count / per_page))


def fetch(
    queryset: QuerySet, ordering: Sequence[str], limit: int, offset: int = 0
) -> list[Any]:
    """``queryset.order_by(*ordering)[offset:offset + limit]`` in two steps
    of one statement: the primary keys first (which an index that holds the
    sort and filter columns answers without visiting the table), then those
    rows. A scope's first page of members sorted by name visits 50 rows of
    the table instead of the thousands the index walks past."""
    keys = queryset.order_by(*ordering).values("pk")[offset : offset + limit]
    return list(
        queryset.model._default_manager.filter(pk__in=keys)
        .select_related(*_related(queryset))
        .order_by(*ordering)
    )


def fetch_counted(
    queryset: QuerySet, ordering: Sequence[str], limit: int, offset: int = 0
) -> tuple[list[Any], int | None]:
    """``fetch``, and how many rows the queryset holds, counted by the same
    statement that finds the keys (a window count): for a search, whose
    index scan is the costly part, once instead of twice. The count is None
    when the offset is past the end."""
    keys = list(
        queryset.order_by(*ordering)
        .annotate(_total=Window(Count("*")))
        .values_list("pk", "_total")[offset : offset + limit]
    )
    if not keys:
        return [], None
    by_pk = {
        obj.pk: obj
        for obj in queryset.model._default_manager.filter(
            pk__in=[pk for pk, _total in keys]
        ).select_related(*_related(queryset))
    }
    return [by_pk[pk] for pk, _total in keys if pk in by_pk], keys[0][1]


def _related(queryset: QuerySet) -> list[str]:
    """The ``select_related`` paths of a queryset (to keep them)."""
    related = queryset.query.select_related
    if not isinstance(related, dict):
        return []
    paths: list[str] = []

    def walk(tree: dict, prefix: str) -> None:
        for name, subtree in tree.items():
            paths.append(prefix + name)
            if subtree:
                walk(subtree, f"{prefix}{name}__")

    walk(related, "")
    return paths


def encode(values: Sequence[Any]) -> str:
    raw = json.dumps([str(v) if not isinstance(v, int) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(model: type, fields: Sequence[str], cursor: str) -> list[Any] | None:
    """The values of a cursor, or None when it does not fit the sort."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(fields):
            return None
        return [
            _field(model, name.lstrip("-")).to_python(value)
            for name, value in zip(fields, values, strict=True)
        ]
    except (ValueError, TypeError, binascii.Error, ValidationError):
        return None


def paginate(
    queryset: QuerySet,
    params: Any,
    *,
    ordering: Sequence[str],
    per_page: int,
    count: Callable[[], int] | None = None,
) -> KeysetPage:
    """A page of ``queryset`` (sorted by ``ordering``, all ascending or all
    descending, ending with a unique field) from the request's ``after``,
    ``before`` or ``page`` parameters. ``count`` gives the total (default:
    the queryset's count)."""
    fields = [name.lstrip("-") for name in ordering]
    descending = ordering[0].startswith("-")
    model = queryset.model

    def cursor_of(obj: Any) -> str:
        return encode([_value(obj, name) for name in fields])

    try:
        number = max(1, int(params.get("page") or 1))
    except (TypeError, ValueError):
        number = 1
    after = params.get("after") or ""
    before = params.get("before") or ""
    forward_op, backward_op = ("<", ">") if descending else (">", "<")
    reverse = [name[1:] if name.startswith("-") else f"-{name}" for name in ordering]
    if count is None and not before:
        # Counted with the page (a search): see fetch_counted.
        return _counted_page(
            queryset,
            ordering=ordering,
            fields=fields,
            forward_op=forward_op,
            after=after,
            number=number,
            per_page=per_page,
            cursor_of=cursor_of,
        )
    total = count() if count is not None else queryset.count()
    num_pages = max(1, math.ceil(total / per_page))

    if before == "end":  # the last page, read backwards from the end
        number = num_pages
        rows = fetch(queryset, reverse, max(1, total - (num_pages - 1) * per_page))
        rows.reverse()
        return KeysetPage(
            rows,
            number=number,
            count=total,
            per_page=per_page,
            has_next=False,
            has_previous=number > 1,
            cursor_of=cursor_of,
        )
    if before and (values := decode(model, fields, before)) is not None:
        rows = fetch(
            queryset.filter(RowCompare(fields, values, backward_op)),
            reverse,
            per_page + 1,
        )
        more_before = len(rows) > per_page
        rows = rows[:per_page]
        rows.reverse()
        number = max(1, number)
        return KeysetPage(
            rows,
            number=number,
            count=total,
            per_page=per_page,
            has_next=True,
            has_previous=more_before,
            cursor_of=cursor_of,
        )
    if after and (values := decode(model, fields, after)) is not None:
        rows = fetch(
            queryset.filter(RowCompare(fields, values, forward_op)),
            ordering,
            per_page + 1,
        )
        has_previous = True
    else:
        # No cursor: an ordinary page number (an OFFSET, as Django's paginator).
        number = min(number, num_pages)
        start = (number - 1) * per_page
        rows = fetch(queryset, ordering, per_page + 1, start)
        has_previous = number > 1
    has_next = len(rows) > per_page
    return KeysetPage(
        rows[:per_page],
        number=number,
        count=total,
        per_page=per_page,
        has_next=has_next,
        has_previous=has_previous,
        cursor_of=cursor_of,
    )


def _counted_page(
    queryset: QuerySet,
    *,
    ordering: Sequence[str],
    fields: list[str],
    forward_op: str,
    after: str,
    number: int,
    per_page: int,
    cursor_of: Callable[[Any], str],
) -> KeysetPage:
    """A page whose total comes from the page's own statement."""
    values = decode(queryset.model, fields, after) if after else None
    if values is not None:
        rows, remaining = fetch_counted(
            queryset.filter(RowCompare(fields, values, forward_op)),
            ordering,
            per_page + 1,
        )
        # Every page before it was full (the links led here).
        total = (number - 1) * per_page + (remaining or 0)
        has_previous = True
    else:
        rows, total = fetch_counted(
            queryset, ordering, per_page + 1, (number - 1) * per_page
        )
        if total is None:  # past the end: the last page
            total = queryset.count()
            number = max(1, math.ceil(total / per_page))
            rows = fetch(queryset, ordering, per_page + 1, (number - 1) * per_page)
        has_previous = number > 1
    return KeysetPage(
        rows[:per_page],
        number=number,
        count=total,
        per_page=per_page,
        has_next=len(rows) > per_page,
        has_previous=has_previous,
        cursor_of=cursor_of,
    )


class _Counted:
    """A page's rows posing as the whole list, whose length is known."""

    def __init__(self, rows: list[Any], total: int) -> None:
        self.rows = rows
        self.total = total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, item: Any) -> list[Any]:
        return self.rows


def known_page(rows: list[Any], *, total: int, number: int, per_page: int) -> Any:
    """A Django ``Page`` of rows read already (with LIMIT/OFFSET) out of a
    list of ``total``: for ``partials/pagination.html``."""
    from django.core.paginator import Paginator

    return Paginator(_Counted(rows, total), per_page).get_page(number)
