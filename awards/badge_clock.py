"""``Member.badge_held``: the years of the highest membership badge each
member holds (0: none), read by the badge list instead of probing every
candidate's awards (``awards.selectors.badges_due_page``).

``services.issue_decision`` and ``services.revoke_award`` call ``refresh``
for the members concerned; the generator and the migration call it for all.
``stale`` lists the members whose stored value differs from a recount.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections

from committees.badge_clock import member_filter

#: The recount of the members, grouped once over the awards (``{members}``:
#: of these members, or all).
_RECOUNT = """
    SELECT m.id, COALESCE(h.held, 0) AS held
    FROM committees_member m
    LEFT JOIN (
        SELECT a.member_id, MAX(k.badge_years) AS held
        FROM awards_award a JOIN awards_awardkind k ON k.id = a.kind_id
        WHERE a.revoked_at IS NULL AND k.criterion = 'badge'
          AND k.badge_years IS NOT NULL AND {members}
        GROUP BY a.member_id
    ) h ON h.member_id = m.id"""


def refresh(member_ids: Iterable[int] | None = None, *, using: str = "default") -> None:
    """Recount ``badge_held`` of these members (None: of every member): one
    statement, which writes only the rows that change."""
    if member_ids is not None:
        member_ids = list(member_ids)
    inner, params = member_filter("a.member_id", member_ids)
    outer = (
        member_filter("m.id", member_ids)[0]
        if member_ids is not None
        else "h.member_id IS NOT NULL OR m.badge_held <> 0"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE committees_member SET badge_held = r.held
            FROM ({_RECOUNT.format(members=inner)} WHERE {outer}) r
            WHERE committees_member.id = r.id
              AND committees_member.badge_held <> r.held""",
            params,
        )


def refresh_holders(kind: Any, *, using: str = "default") -> None:
    """Recount the members holding an award of ``kind`` (its criterion or
    badge years changed)."""
    refresh(
        kind.award_set.filter(member__isnull=False).values_list("member_id", flat=True),
        using=using,
    )


def stale(*, using: str = "default") -> list[tuple[int, int]]:
    """Members whose ``badge_held`` differs from a recount: (id, as stored)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"""
            SELECT r.id, m.badge_held FROM ({_RECOUNT.format(members="1 = 1")}) r
            JOIN committees_member m ON m.id = r.id
            WHERE m.badge_held <> r.held ORDER BY r.id"""
        )
        return cursor.fetchall()
