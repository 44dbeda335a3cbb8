"""The interruption summary of each member, read by the badge list.

``Member.interrupted_days`` (days of the closed interruptions after
admission) and ``Member.interrupted_until`` (the last day of the latest one,
``OPEN_INTERRUPTION`` while one lasts) give ``Member.badge_clock``: after the
last interruption, a member reaches X years of party age on the day
``admitted_on + X years + interrupted_days`` (``compute_party_age``), about X
years after the clock. ``awards.selectors.badges_due_page`` reads the members
crossing a badge between two occasions as ranges of an index on the clock,
instead of computing 5.6 million party ages.

The services that change interruptions or an admission date call
``refresh`` for the members concerned (one statement, any number of
members); the generator and the migration call it for all. ``stale`` lists
the members whose summary differs from a recount (the tests).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections

from .models import OPEN_INTERRUPTION

#: Per vendor: the later of two dates, whole days from one to the other, and
#: "differs, NULL included".
_DIALECT = {
    "postgresql": ("GREATEST", "({end} - {start})", "IS DISTINCT FROM"),
    "sqlite": (
        "MAX",
        "CAST(julianday({end}) - julianday({start}) AS INTEGER)",
        "IS NOT",
    ),
}

#: The recount of the members: days of their closed interruptions from the
#: later of start and admission to the end, both included (as
#: ``compute_party_age``), and the last day of the latest one; grouped once
#: over the interruptions (``{members}``: of these members, or all).
_RECOUNT = """
    SELECT m.id, COALESCE(g.days, 0) AS days, g.until
    FROM committees_member m
    LEFT JOIN (
        SELECT i.member_id,
            SUM(CASE WHEN i.ended_on >= {start} THEN {days} + 1 ELSE 0 END) AS days,
            MAX(COALESCE(i.ended_on, %(open)s)) AS until
        FROM committees_interruption i
        JOIN committees_member a ON a.id = i.member_id
        WHERE {members}
        GROUP BY i.member_id
    ) g ON g.member_id = m.id"""

#: Members whose summary may be stale: those with an interruption, or not
#: at the default.
_ANYONE = (
    "g.member_id IS NOT NULL OR m.interrupted_until IS NOT NULL"
    " OR m.interrupted_days <> 0"
)


def _recount(vendor: str, members: str) -> str:
    later, days, _differs = _DIALECT[vendor]
    start = f"{later}(i.started_on, a.admitted_on)"
    return _RECOUNT.format(
        start=start,
        days=days.format(start=start, end="i.ended_on"),
        members=members,
    )


def member_filter(
    column: str, member_ids: Iterable[int] | None
) -> tuple[str, dict[str, Any]]:
    """SQL: ``column`` is one of these members (None: any), and its
    parameters."""
    if member_ids is None:
        return "1 = 1", {}
    names = {f"m{n}": pk for n, pk in enumerate(sorted({int(p) for p in member_ids}))}
    if not names:
        return "1 = 0", {}
    return f"{column} IN (" + ", ".join(f"%({n})s" for n in names) + ")", names


def refresh(member_ids: Iterable[int] | None = None, *, using: str = "default") -> None:
    """Recount the summary of these members (None: of every member): one
    statement, which writes only the rows that change."""
    if member_ids is not None:
        member_ids = list(member_ids)
    connection = connections[using]
    inner, params = member_filter("i.member_id", member_ids)
    outer = member_filter("m.id", member_ids)[0] if member_ids is not None else _ANYONE
    differs = _DIALECT[connection.vendor][2]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE committees_member SET
                interrupted_days = r.days, interrupted_until = r.until
            FROM ({_recount(connection.vendor, inner)} WHERE {outer}) r
            WHERE committees_member.id = r.id
              AND (committees_member.interrupted_days <> r.days
                   OR committees_member.interrupted_until {differs} r.until)""",
            {**params, "open": OPEN_INTERRUPTION},
        )


def stale(*, using: str = "default") -> list[tuple[int, int, Any]]:
    """Members whose stored summary differs from a recount: (id, days,
    until) as stored (the tests)."""
    connection = connections[using]
    differs = _DIALECT[connection.vendor][2]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT r.id, m.interrupted_days, m.interrupted_until
            FROM ({_recount(connection.vendor, "1 = 1")}) r
            JOIN committees_member m ON m.id = r.id
            WHERE m.interrupted_days <> r.days OR m.interrupted_until {differs} r.until
            ORDER BY r.id""",
            {"open": OPEN_INTERRUPTION},
        )
        return cursor.fetchall()
