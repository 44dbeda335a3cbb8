"""Reads of the member and rating tallies, and their recount.

``MemberTally`` and ``RatingTally`` (one row per organization, and per
organization and year) are kept by database triggers (migration 0007): every
write of a member or a rating, through a service, the import's bulk insert,
a restructuring's queryset update or the admin, changes them in the same
transaction. The pages add them up over a subtree with one indexed range of
organization paths, instead of counting members one by one: the tree, the
dashboard and the member list cost the same for a cell and for a nation of
5.6 million members.

``rebuild`` recounts everything from the members and ratings (after a bulk
load with triggers disabled, or to repair); ``differences`` compares the
tallies with a recount (the tests do, after every kind of change).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr

from .models import (
    ExcellentRun,
    Grade,
    Member,
    MemberStatus,
    MemberTally,
    Organization,
    Rating,
    RatingTally,
)

STATUS_FIELDS: tuple[str, ...] = tuple(MemberStatus.values)
GRADE_FIELDS: tuple[str, ...] = tuple(Grade.values)
ACTIVE_FIELDS = (MemberStatus.PROBATIONARY.value, MemberStatus.OFFICIAL.value)


def _in_subtree(prefix: str | None, lookup: str = "organization__path") -> Q:
    """Rows under ``prefix`` ("" everything; a constant prefix, so that the
    path index answers it as a range)."""
    return Q(**{f"{lookup}__startswith": prefix}) if prefix else Q()


def active_expression() -> Any:
    return F("probationary") + F("official")


# ---------------------------------------------------------------- reads


def members_by_status(prefix: str | None) -> dict[str, int]:
    """Members of a subtree by status (``prefix`` "" : all, None: none)."""
    if prefix is None:
        return dict.fromkeys(STATUS_FIELDS, 0)
    totals = MemberTally.objects.filter(_in_subtree(prefix)).aggregate(
        **{name: Coalesce(Sum(name), 0) for name in STATUS_FIELDS}
    )
    return {name: int(totals[name]) for name in STATUS_FIELDS}


def ratings_by_grade(prefix: str | None, year: int) -> dict[str, int]:
    """Member ratings of a year in a subtree (by where the members are now)."""
    if prefix is None:
        return dict.fromkeys(GRADE_FIELDS, 0)
    totals = RatingTally.objects.filter(_in_subtree(prefix), year=year).aggregate(
        **{name: Coalesce(Sum(name), 0) for name in GRADE_FIELDS}
    )
    return {name: int(totals[name]) for name in GRADE_FIELDS}


def active_under(paths: list[str]) -> dict[str, int]:
    """Active members of each subtree whose root path is given: one query.

    The paths are grouped by length (siblings share one); each group is one
    range scan of the tallies under the common parent, grouped by the first
    characters of the path (the child it lies under).
    """
    if not paths:
        return {}
    counts = dict.fromkeys(paths, 0)
    by_length: dict[int, set[str]] = {}
    for path in paths:
        by_length.setdefault(len(path), set()).add(path)
    queries = []
    for length, group in by_length.items():
        # Siblings: one range under their parent; a lone node: its own range.
        parents = (
            set(group)
            if len(group) == 1
            else {path[: length - Organization.steplen] for path in group}
        )
        q = Q()
        for parent in parents:
            q |= Q(organization__path__startswith=parent)
        queries.append(
            MemberTally.objects.filter(
                q, organization__depth__gte=length // Organization.steplen
            )
            .annotate(prefix=Substr("organization__path", 1, length))
            .values("prefix")
            .annotate(n=Sum(active_expression()))
            .order_by()
        )
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    for row in rows:
        if row["prefix"] in counts:
            counts[row["prefix"]] = int(row["n"] or 0)
    return counts


def with_member_counts(nodes: Any) -> list[Organization]:
    """The organizations, each with ``member_count``: active members of its
    whole subtree (two queries in all, whatever the number of nodes)."""
    nodes = list(nodes)
    counts = active_under([node.path for node in nodes])
    for node in nodes:
        node.member_count = counts.get(node.path, 0)
    return nodes


def subtree_active_count() -> Coalesce:
    """Annotation: active members of each row's subtree, from the tallies
    (one correlated sum per row; for lists, ``with_member_counts`` is
    cheaper)."""
    from django.db.models import OuterRef, Subquery

    sums = (
        MemberTally.objects.filter(
            organization__path__startswith=OuterRef("path"),
        )
        .order_by()
        .values(dummy=Value(1))
        .annotate(n=Sum(active_expression()))
        .values("n")
    )
    return Coalesce(Subquery(sums, output_field=IntegerField()), 0)


# ---------------------------------------------------------------- recount


def _recount_members() -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    for organization_id, status, n in (
        Member.objects.order_by()
        .values_list("organization_id", "status")
        .annotate(n=Count("id"))
    ):
        counts.setdefault(organization_id, dict.fromkeys(STATUS_FIELDS, 0))[status] = n
    return counts


def _recount_ratings() -> dict[tuple[int, int], dict[str, int]]:
    counts: dict[tuple[int, int], dict[str, int]] = {}
    for organization_id, year, grade, n in (
        Rating.objects.filter(member__isnull=False)
        .order_by()
        .values_list("member__organization_id", "year", "grade")
        .annotate(n=Count("id"))
    ):
        key = (organization_id, year)
        counts.setdefault(key, dict.fromkeys(GRADE_FIELDS, 0))[grade] = n
    return counts


#: A member's runs of consecutive excellent years (gaps and islands: the
#: year minus its rank among the member's excellent years is constant along
#: a run), at the member's organization.
RUNS = """
    SELECT x.member_id, m.organization_id, MIN(x.year), MAX(x.year)
    FROM (
        SELECT r.member_id, r.year,
               r.year - ROW_NUMBER() OVER (
                   PARTITION BY r.member_id ORDER BY r.year
               ) AS island
        FROM committees_rating r
        WHERE r.grade = 'excellent' AND r.member_id IS NOT NULL
    ) x
    JOIN committees_member m ON m.id = x.member_id
    GROUP BY x.member_id, m.organization_id, x.island"""


def _recount_runs() -> set[tuple[int, int, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(RUNS)
        return {tuple(row) for row in cursor.fetchall()}


def differences() -> list[str]:
    """Where the tallies (and the runs of excellent years) differ from a
    recount (empty: they agree)."""
    found = []
    stored_runs = set(
        ExcellentRun.objects.values_list(
            "member_id", "organization_id", "first_year", "last_year"
        )
    )
    expected_runs = _recount_runs()
    for run in sorted(stored_runs - expected_runs):
        found.append(f"run {run} is not in the ratings")
    for run in sorted(expected_runs - stored_runs):
        found.append(f"run {run} is missing")
    members = _recount_members()
    stored = {
        row["organization_id"]: {name: row[name] for name in STATUS_FIELDS}
        for row in MemberTally.objects.values("organization_id", *STATUS_FIELDS)
    }
    for organization_id in sorted(set(members) | set(stored)):
        expected = members.get(organization_id, dict.fromkeys(STATUS_FIELDS, 0))
        actual = stored.get(organization_id, dict.fromkeys(STATUS_FIELDS, 0))
        if expected != actual:
            found.append(f"members of {organization_id}: {actual} != {expected}")
    ratings = _recount_ratings()
    stored_ratings = {
        (row["organization_id"], row["year"]): {
            name: row[name] for name in GRADE_FIELDS
        }
        for row in RatingTally.objects.values("organization_id", "year", *GRADE_FIELDS)
    }
    for key in sorted(set(ratings) | set(stored_ratings)):
        expected = ratings.get(key, dict.fromkeys(GRADE_FIELDS, 0))
        actual = stored_ratings.get(key, dict.fromkeys(GRADE_FIELDS, 0))
        if expected != actual:
            found.append(f"ratings of {key}: {actual} != {expected}")
    return found


@transaction.atomic
def rebuild() -> None:
    """Recount both tallies and the runs from the members and ratings."""
    statuses = ", ".join(
        f"SUM(CASE WHEN status = '{name}' THEN 1 ELSE 0 END)" for name in STATUS_FIELDS
    )
    grades = ", ".join(
        f"SUM(CASE WHEN r.grade = '{name}' THEN 1 ELSE 0 END)" for name in GRADE_FIELDS
    )
    member_table = MemberTally._meta.db_table
    rating_table = RatingTally._meta.db_table
    runs_table = ExcellentRun._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {member_table}")
        cursor.execute(f"DELETE FROM {rating_table}")
        cursor.execute(f"DELETE FROM {runs_table}")
        cursor.execute(
            f"INSERT INTO {runs_table} "
            f"(member_id, organization_id, first_year, last_year) {RUNS}"
        )
        cursor.execute(
            f"INSERT INTO {member_table} (organization_id, {', '.join(STATUS_FIELDS)}) "
            f"SELECT organization_id, {statuses} FROM committees_member "
            "GROUP BY organization_id"
        )
        cursor.execute(
            f"INSERT INTO {rating_table} (organization_id, year, "
            f"{', '.join(GRADE_FIELDS)}) "
            f"SELECT m.organization_id, r.year, {grades} FROM committees_rating r "
            "JOIN committees_member m ON m.id = r.member_id "
            "GROUP BY m.organization_id, r.year"
        )
