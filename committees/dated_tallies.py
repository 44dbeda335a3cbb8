"""Dated tallies: the active members per organization on anchor days.

The tree of a day counts the members active on that day where they were
then (``restructuring_selectors.members_on``). From today's tallies that
means going back over every change since the day: at the nation's scale,
174,000 members changed since a day two years back. The anchors are the
first days of the last ``ANCHOR_MONTHS`` months, counted ahead of time
(``DatedTally``), so that the national root starts from the nearest one and
goes over the changes of a fortnight at most
(``restructuring_selectors.COUNTED_FROM_ANCHOR``).

**Kept right by invalidation, not by arithmetic.** A change dated today
reaches no anchor before today: a member admitted, moved or deceased today
was counted on every earlier anchor exactly as before. A change dated back
(an admission entered late, an admission date corrected, a death recorded
after the fact, a restructuring effective earlier) reaches every anchor from
its date on; database triggers on ``Member`` and ``MemberPlacement``
(migration 0015) mark those anchors not valid, whoever writes (services,
imports, the admin), and the pages skip them until ``refresh`` counts them
again: on the beat (``committees.tasks.refresh_dated_tallies``) and after a
bulk load. Changes of a member's organization reach the anchors through the
placements that every service writes with them (``timeline.move_members``).

``stale`` compares every valid anchor with a recount (the tests do, after
every kind of change).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from .models import DatedTally, DatedTallyDay
from .restructuring_selectors import members_on_sql, nearer_than_today

#: How many months back the anchors go (the first day of each).
ANCHOR_MONTHS = 36


def anchor_days(today: date) -> list[date]:
    """The first days of the last ``ANCHOR_MONTHS`` months, today's month's
    included, oldest first."""
    year, month = today.year, today.month
    days = []
    for _ in range(ANCHOR_MONTHS):
        days.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(days)


def count(day: date, *, start: date | None = None) -> int:
    """Count one anchor day again, in its own transaction, from today's
    tallies or from the valid anchor day ``start`` (the members changed
    between the two days only). Both days' rows are locked first, so that a
    change reaching either commits before the count reads (the count sees
    it, or sees ``start`` no longer valid and goes from today's tallies) or
    waits for the count and marks the days it reaches not valid after it
    (migration 0015). Returns the rows written."""
    with transaction.atomic():
        DatedTallyDay.objects.get_or_create(day=day)
        locked = {
            row.day: row
            for row in DatedTallyDay.objects.select_for_update()
            .filter(day__in=[day] if start is None else [day, start])
            .order_by("day")
        }
        if start is not None and not (start in locked and locked[start].valid):
            start = None
        DatedTally.objects.filter(day=day).delete()
        sql, params = members_on_sql(day, anchor=start)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO committees_datedtally (day, organization_id, active) "
                f"SELECT %(day)s, counts.organization_id, counts.n FROM ({sql}) counts",
                params,
            )
            written = cursor.rowcount
        DatedTallyDay.objects.filter(day=day).update(
            valid=True, refreshed_at=timezone.now()
        )
    return written


def refresh(
    today: date | None = None,
    *,
    days: Iterable[date] | None = None,
    recount: bool = False,
) -> list[date]:
    """Count the anchor days that are not valid (every one if ``recount``),
    and drop those older than ``ANCHOR_MONTHS``; or count the ``days``
    given, valid or not. Returns the days counted, oldest first.

    The newest first, each from the nearest day already valid (or today's
    tallies, when today is nearer): a month of changes each, not every
    change since the day."""
    today = today or timezone.localdate()
    if days is not None:
        todo = sorted(set(days))
    else:
        wanted = anchor_days(today)
        with transaction.atomic():
            DatedTally.objects.exclude(day__in=wanted).delete()
            DatedTallyDay.objects.exclude(day__in=wanted).delete()
        todo = wanted
    valid = set(DatedTallyDay.objects.filter(valid=True).values_list("day", flat=True))
    if recount or days is not None:
        valid -= set(todo)
    else:
        todo = [day for day in todo if day not in valid]
    for day in reversed(todo):
        count(day, start=nearer_than_today(valid, day, today))
        valid.add(day)
    return todo


def stale() -> dict[date, dict[int, tuple[int, int]]]:
    """Valid anchor days whose rows differ from a recount: ``{day:
    {organization id: (stored, recounted)}}`` (empty when all hold)."""
    differences: dict[date, dict[int, tuple[int, int]]] = {}
    for day in DatedTallyDay.objects.filter(valid=True).values_list("day", flat=True):
        stored = dict(
            DatedTally.objects.filter(day=day).values_list("organization_id", "active")
        )
        sql, params = members_on_sql(day)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            recounted = {pk: int(n) for pk, n in cursor.fetchall()}
        wrong = {
            pk: (stored.get(pk, 0), recounted.get(pk, 0))
            for pk in set(stored) | set(recounted)
            if stored.get(pk, 0) != recounted.get(pk, 0)
        }
        if wrong:
            differences[day] = wrong
    return differences
