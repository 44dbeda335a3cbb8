"""Selectors: the reads that pages, exports and commands share.

Each returns a queryset already scoped to the user and already joined or
annotated for the page that shows it, so that a page's query count does not
grow with the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import pagination
from portal.access import confined, scope_path
from portal.history import diff_rows

from . import tallies
from .dates import PartyAge, add_months, compute_party_age
from .models import (
    ACTIVE_MEMBER_STATUSES,
    MEMBER_HOLDING_KINDS,
    RATING_UNIT_KINDS,
    Body,
    FinalizationStatus,
    Grade,
    Interruption,
    Member,
    MemberStatus,
    Organization,
    OrganizationKind,
    Position,
    Rating,
    RatingFinalization,
)
from .services import PROBATION_MONTHS, max_excellent, quota_percent

# ---------------------------------------------------------------- organizations


def subtree_member_count() -> Coalesce:
    """Annotation: active members of an organization's whole subtree.

    Added up from the member tallies (``committees.tallies``), one
    correlated sum per row; pages that list nodes use
    ``tallies.with_member_counts`` instead (one range scan for all).
    """
    return tallies.subtree_active_count()


def tree_roots(user: Any) -> list[Organization]:
    """The top of the tree the user sees (their scope, or the roots), each
    with its subtree's active members: two queries."""
    if user.is_superuser:
        qs = Organization.objects.filter(depth=1)
    else:
        qs = Organization.objects.filter(pk=user.scope_id)
    return tallies.with_member_counts(qs)


def organization_children(user: Any, organization: Organization) -> list[Organization]:
    """Children of a node (scoped), each with its subtree's member count:
    two queries, whatever the number of children."""
    return tallies.with_member_counts(
        Organization.objects.visible_to(user)
        .filter(
            path__startswith=organization.path,
            depth=organization.depth + 1,
        )
        .order_by("status", "name")
    )


def organization_choices(user: Any, *, kinds: Any = None) -> QuerySet[Organization]:
    """Organizations a form may offer: active, inside the scope."""
    qs = Organization.objects.visible_to(user).active()
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("path")


def ancestors(organization: Organization) -> QuerySet[Organization]:
    """Root first, for breadcrumbs: one query from the path alone."""
    return Organization.objects.filter(path__in=organization.ancestor_paths()).order_by(
        "depth"
    )


def visible_ancestors(user: Any, organization: Organization) -> list[Organization]:
    """Breadcrumbs the user may follow: ancestors inside the scope."""
    return list(
        Organization.objects.visible_to(user)
        .filter(path__in=organization.ancestor_paths())
        .order_by("depth")
    )


def current_committee(organization: Organization) -> QuerySet[Position]:
    """The current positions of an organization, Secretary first: one query."""
    return (
        Position.objects.current()
        .filter(organization=organization)
        .select_related("member", "term")
        .order_by("body", "rank", "member__search_key")
    )


# ---------------------------------------------------------------- members

MEMBER_SORTS = {
    "name": ("search_key", "id"),
    "-name": ("-search_key", "-id"),
    "card": ("card_number",),
    "-card": ("-card_number",),
    "admitted": ("admitted_on", "id"),
    "-admitted": ("-admitted_on", "-id"),
    "born": ("birth_date", "id"),
    "-born": ("-birth_date", "-id"),
    "organization": ("organization__path", "search_key", "id"),
    "-organization": ("-organization__path", "-search_key", "-id"),
}


def member_list(
    user: Any,
    *,
    q: str = "",
    status: str = "",
    organization: Organization | None = None,
    admission_year: int | None = None,
    sort: str = "name",
) -> QuerySet[Member]:
    qs = Member.objects.visible_to(user).select_related("organization")
    if q:  # a scope (or an organization chosen) is read before the names
        qs = qs.search(q, scope_first=confined(user, organization))
    if status == "active":
        qs = qs.filter(status__in=ACTIVE_MEMBER_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if organization is not None and organization.path != scope_path(user):
        # (The same range twice would make PostgreSQL square its estimate.)
        qs = qs.in_subtree(organization)
    if admission_year:
        qs = qs.filter(
            admitted_on__gte=date(admission_year, 1, 1),
            admitted_on__lte=date(admission_year, 12, 31),
        )
    return qs.order_by(*MEMBER_SORTS.get(sort, MEMBER_SORTS["name"]))


def member_for_page(user: Any, pk: int) -> Member:
    """A member with what the member page shows, or DoesNotExist."""
    return (
        Member.objects.visible_to(user)
        .select_related("organization")
        .prefetch_related(
            "interruptions",
            Prefetch(
                "positions",
                queryset=Position.objects.select_related(
                    "organization", "term"
                ).order_by("-started_on", "rank"),
            ),
            # Each with its lock (finalized or not) in the same query.
            Prefetch("ratings", queryset=with_lock_annotation(Rating.objects)),
        )
        .get(pk=pk)
    )


def party_age(member: Member, as_of: date | None = None) -> PartyAge:
    """Party age of a member; uses prefetched interruptions when present."""
    as_of = as_of or timezone.localdate()
    spans = [(i.started_on, i.ended_on) for i in member.interruptions.all()]
    return compute_party_age(member.admitted_on, spans, as_of)


def members_due_official(user: Any, today: date | None = None) -> QuerySet[Member]:
    """Probationary members whose 12 months are over: due for recognition."""
    today = today or timezone.localdate()
    return (
        Member.objects.visible_to(user)
        .filter(
            status=MemberStatus.PROBATIONARY,
            admitted_on__lte=add_months(today, -PROBATION_MONTHS),
        )
        .select_related("organization")
        .order_by("admitted_on", "id")
    )


def cell_members_for_rating(organization: Organization) -> QuerySet[Member]:
    """The members a cell's staff grade: active members of that cell."""
    return Member.objects.filter(
        organization=organization, status__in=ACTIVE_MEMBER_STATUSES
    ).order_by("search_key", "id")


# ---------------------------------------------------------------- ratings


@dataclass(frozen=True)
class QuotaStatus:
    year: int
    counts: dict[str, int]
    good: int
    excellent: int
    allowed_excellent: int
    percent: Any
    finalization: RatingFinalization | None

    @property
    def over(self) -> int:
        return max(0, self.excellent - self.allowed_excellent)

    @property
    def is_locked(self) -> bool:
        return self.finalization is not None and self.finalization.is_locked


def quota_status(unit: Organization, year: int) -> QuotaStatus:
    """Counts of the unit's member ratings of the year against the quota."""
    rows = (
        Rating.objects.filter(unit=unit, year=year, member__isnull=False)
        .values("grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {grade: 0 for grade in Grade.values}
    counts.update({row["grade"]: row["n"] for row in rows})
    percent = quota_percent(year)
    return QuotaStatus(
        year=year,
        counts=counts,
        good=counts[Grade.GOOD],
        excellent=counts[Grade.EXCELLENT],
        allowed_excellent=max_excellent(counts[Grade.GOOD], percent),
        percent=percent,
        finalization=RatingFinalization.objects.filter(unit=unit, year=year).first(),
    )


def is_locked(unit_id: int, year: int) -> bool:
    return RatingFinalization.objects.filter(
        unit_id=unit_id, year=year, status=FinalizationStatus.FINALIZED
    ).exists()


def organization_ratings(organization: Organization) -> QuerySet[Rating]:
    return Rating.objects.filter(organization=organization).order_by("-year")


# ---------------------------------------------------------------- dashboard


def dashboard(user: Any, today: date | None = None) -> dict[str, Any]:
    """The dashboard's figures for the user's scope, kept in the cache for
    ``DASHBOARD_CACHE_SECONDS`` (shared by everyone with the same scope): the
    most visited page then costs a cache read instead of five aggregates,
    and its figures are at most that old."""
    today = today or timezone.localdate()
    prefix = scope_path(user)
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds or prefix is None:
        return dashboard_figures(user, today)
    key = f"dashboard:{prefix}:{today.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        figures = dashboard_figures(user, today)
        cache.set(key, figures, seconds)
    return figures


def dashboard_figures(user: Any, today: date | None = None) -> dict[str, Any]:
    """Figures for the user's scope: a fixed number of aggregate queries.

    Members by status and last year's ratings are added up from the
    tallies (one row per organization, not per member); the admissions of
    the year and the probationary members due are small sets read through
    their indexes.
    """
    today = today or timezone.localdate()
    prefix = scope_path(user)
    members = Member.objects.visible_to(user)
    by_status = tallies.members_by_status(prefix)
    admissions = members.filter(
        admitted_on__gte=date(today.year, 1, 1),
        admitted_on__lte=date(today.year, 12, 31),
    ).count()
    due = members.filter(
        status=MemberStatus.PROBATIONARY,
        admitted_on__lte=add_months(today, -PROBATION_MONTHS),
    ).count()
    last_year = today.year - 1
    ratings = tallies.ratings_by_grade(prefix, last_year)
    organizations = (
        Organization.objects.visible_to(user)
        .active()
        .aggregate(
            total=Count("pk"),
            cells=Count("pk", filter=Q(kind__in=("cell", "grassroots_cell"))),
        )
    )
    return {
        "by_status": [(s, by_status.get(s.value, 0)) for s in MemberStatus],
        "active_total": sum(by_status.get(s, 0) for s in ACTIVE_MEMBER_STATUSES),
        "admissions_this_year": admissions,
        "due_official": due,
        "rating_year": last_year,
        "ratings": [(g, ratings.get(g.value, 0)) for g in Grade],
        "ratings_total": sum(ratings.values()),
        "organizations": organizations,
        "year": today.year,
    }


def admission_years(user: Any) -> list[int]:
    """Years a member of the scope may have been admitted in, newest first:
    from the earliest admission (one index read) to this year."""
    # ORDER BY … LIMIT 1 rather than MIN(): with the join of the scope,
    # PostgreSQL reads the admission index from its start only this way.
    first = (
        Member.objects.visible_to(user)
        .order_by("admitted_on")
        .values_list("admitted_on", flat=True)
        .first()
    )
    if first is None:
        return []
    return list(range(timezone.localdate().year, first.year - 1, -1))


def member_total(
    user: Any,
    members: QuerySet[Member],
    *,
    q: str = "",
    status: str = "",
    organization: Organization | None = None,
    admission_year: int | None = None,
) -> int | None:
    """How many members the list holds: added up from the tallies when the
    only filters are the status and the organization (the usual case, and
    the costly one: a whole province or nation); None for a search (the
    page counts its matches in the same statement, ``member_page``), counted
    otherwise."""
    if q:
        return None
    if admission_year:
        return members.count()
    # A chosen organization lies inside the scope (the view checked it).
    prefix = organization.path if organization is not None else scope_path(user)
    by_status = tallies.members_by_status(prefix)
    if status == "active":
        return sum(by_status[s] for s in ACTIVE_MEMBER_STATUSES)
    if status:
        return by_status.get(status, 0)
    return sum(by_status.values())


def first_members(members: QuerySet[Member], count: int) -> list[Member]:
    """The first members of a list, in its order, read key first
    (``portal.pagination.fetch``: the name index answers the filter)."""
    ordering = members.query.order_by or MEMBER_SORTS["name"]
    return pagination.fetch(members, list(ordering), count)


def member_page(
    members: QuerySet[Member], params: Any, *, sort: str, count: int | None
) -> pagination.KeysetPage:
    """A page of the member list: keyset pagination on the sort's columns
    (``portal.pagination``), so that page 500 costs what page 1 does."""
    return pagination.paginate(
        members,
        params,
        ordering=MEMBER_SORTS.get(sort, MEMBER_SORTS["name"]),
        per_page=settings.PAGE_SIZE,
        count=None if count is None else (lambda: count),
    )


# ---------------------------------------------------------------- staff pages

#: Kinds the member list's organization filter offers, down to the grassroots
#: level, so that the select stays short; a cell comes in through ``?org=``.
MEMBER_FILTER_KINDS = (
    OrganizationKind.PROVINCE,
    OrganizationKind.DISTRICT,
    OrganizationKind.DIRECT,
    OrganizationKind.COMMUNE,
    OrganizationKind.GRASSROOTS_COMMITTEE,
    OrganizationKind.GRASSROOTS_CELL,
    OrganizationKind.PARTIAL_COMMITTEE,
)


def _count(queryset: QuerySet) -> Coalesce:
    """Annotation: the number of rows of a correlated queryset (0 for none)."""
    counted = queryset.order_by().values(dummy=Value(1)).annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)


def organizations_with_counts() -> QuerySet[Organization]:
    """Organizations with the active members of their subtree (for a page)."""
    return Organization.objects.annotate(member_count=subtree_member_count())


def with_member_count(organization: Organization) -> Organization:
    """The organization with ``member_count``, its subtree's active members
    (one query, a range scan of the tallies)."""
    return tallies.with_member_counts([organization])[0]


def children_with_counts(user: Any, organization: Organization) -> list[Organization]:
    """The children of an organization's page (scoped), each with its
    subtree's active members, and the organization's own ``member_count``:
    two queries in all."""
    children = list(
        Organization.objects.visible_to(user)
        .filter(path__startswith=organization.path, depth=organization.depth + 1)
        .order_by("status", "name")
    )
    tallies.with_member_counts([organization, *children])
    return children


def member_filter_organizations(user: Any) -> list[Organization]:
    """The organizations the member list's filter offers: grassroots and up,
    as many levels as fit in the select (``organization_options``)."""
    return organization_options(
        Organization.objects.visible_to(user)
        .filter(kind__in=MEMBER_FILTER_KINDS)
        .only("pk", "name", "code", "depth", "path", "status", "kind")
    )


#: At most this many organizations in a page's organization select; deeper
#: ones come in through ``?org=`` (shown as a chip or added to the select), so
#: that a nation's select (100,000 organizations) stays short.
ORGANIZATION_OPTIONS_LIMIT = 400


def organization_options(
    queryset: QuerySet[Organization], *, limit: int = ORGANIZATION_OPTIONS_LIMIT
) -> list[Organization]:
    """The organizations of ``queryset`` from the top down, level by level,
    as long as they fit in ``limit`` (the top level always): two queries."""
    by_depth = dict(
        queryset.order_by().values_list("depth").annotate(n=Count("pk")).order_by()
    )
    total, deepest = 0, 0
    for depth in sorted(by_depth):
        if deepest and total + by_depth[depth] > limit:
            break
        total += by_depth[depth]
        deepest = depth
    return list(queryset.filter(depth__lte=deepest).order_by("path"))


def committee_by_body(organization: Organization) -> list[tuple[Body, list[Position]]]:
    """The current committee grouped by body (executive, standing,
    inspection), Secretary first in each: one query."""
    groups: dict[str, list[Position]] = {}
    for position in current_committee(organization):
        groups.setdefault(position.body, []).append(position)
    return [(body, groups[body]) for body in Body if body in groups]


def history_rows(instance: Any, limit: int = 20) -> list[dict[str, Any]]:
    """The latest changes of an object, readable: one query.

    One more record than shown is read, so that the oldest shown row can
    still say what changed.
    """
    records = list(instance.history.select_related("history_user")[: limit + 1])
    return diff_rows(records)[:limit]


def member_history(member: Member, limit: int = 30) -> list[dict[str, Any]]:
    """The member's record and everything recorded about them (ratings,
    positions, interruptions), newest first: one query per kind of record."""
    entries = [
        {**entry, "subject": _("Member record")}
        for entry in history_rows(member, limit)
    ]
    related = (
        (Rating, lambda r: _("Rating %(year)s") % {"year": r.year}),
        (Position, lambda p: p.get_role_display()),
        (
            Interruption,
            lambda i: (
                _("Interruption from %(date)s")
                % {"date": i.started_on.strftime("%d/%m/%Y")}
            ),
        ),
    )
    for model, label in related:
        records = model.history.filter(member_id=member.pk).select_related(
            "history_user"
        )[: limit * 3]
        by_object: dict[int, list[Any]] = {}
        for record in records:
            by_object.setdefault(record.id, []).append(record)
        for rows in by_object.values():
            entries += [
                {**entry, "subject": label(rows[0])} for entry in diff_rows(rows)
            ]
    entries.sort(key=lambda entry: entry["when"], reverse=True)
    return entries[:limit]


def with_lock_annotation(ratings: QuerySet[Rating]) -> QuerySet[Rating]:
    """Ratings, newest first, each annotated ``is_locked`` (finalized)."""
    finalized = RatingFinalization.objects.filter(
        unit=OuterRef("unit"),
        year=OuterRef("year"),
        status=FinalizationStatus.FINALIZED,
    )
    return ratings.annotate(is_locked=Exists(finalized)).order_by("-year")


def with_lock_state(ratings: Any) -> list[Rating]:
    """The ratings, each marked ``is_locked`` when finalized: one query (none
    when they come annotated by ``with_lock_annotation``)."""
    ratings = list(ratings)
    if all(hasattr(rating, "is_locked") for rating in ratings):
        return ratings
    pairs = {(r.unit_id, r.year) for r in ratings}
    locked: set[tuple[int, int]] = set()
    if pairs:
        locked = set(
            RatingFinalization.objects.filter(
                unit_id__in={unit for unit, _year in pairs},
                year__in={year for _unit, year in pairs},
                status=FinalizationStatus.FINALIZED,
            ).values_list("unit_id", "year")
        )
    for rating in ratings:
        rating.is_locked = (rating.unit_id, rating.year) in locked
    return ratings


def is_due_official(member: Member, today: date | None = None) -> bool:
    """Probationary for 12 months or more (as ``members_due_official``)."""
    today = today or timezone.localdate()
    return (
        member.status == MemberStatus.PROBATIONARY
        and member.admitted_on <= add_months(today, -PROBATION_MONTHS)
    )


def position_member_choices(
    user: Any, organization: Organization, q: str = ""
) -> QuerySet[Member]:
    """Who may take a seat in an organization: its subtree's active members
    (those whose name or card number matches ``q``, the subtree read first)."""
    members = Member.objects.visible_to(user).active().in_subtree(organization)
    if q:
        members = members.search(q, scope_first=True)
    return members.select_related("organization").order_by("search_key", "id")


def rating_for_page() -> QuerySet[Rating]:
    return Rating.objects.select_related("member__organization", "organization")


def bulk_rating_rows(
    organization: Organization, year: int
) -> list[tuple[Member, Rating | None]]:
    """Active members of a cell with their rating of the year: two queries."""
    members = list(cell_members_for_rating(organization).select_related("organization"))
    ratings = {
        r.member_id: r
        for r in Rating.objects.filter(member__organization=organization, year=year)
    }
    return [(member, ratings.get(member.pk)) for member in members]


def unit_cells(user: Any, unit: Organization, year: int) -> QuerySet[Organization]:
    """The cells of a grassroots organization, with their active members and
    how many of them are rated for the year."""
    rated = Rating.objects.filter(
        member__organization=OuterRef("pk"),
        year=year,
        member__status__in=ACTIVE_MEMBER_STATUSES,
    )
    return (
        Organization.objects.visible_to(user)
        .filter(path__startswith=unit.path, kind__in=MEMBER_HOLDING_KINDS)
        .annotate(member_count=subtree_member_count(), rated_count=_count(rated))
        .order_by("path")
    )


def unit_overview(user: Any, year: int) -> QuerySet[Organization]:
    """Grassroots organizations in the scope with their member ratings of the
    year per grade and their finalization: one query per page."""
    ratings = Rating.objects.filter(
        unit=OuterRef("pk"), year=year, member__isnull=False
    )
    finalization = RatingFinalization.objects.filter(unit=OuterRef("pk"), year=year)
    return (
        Organization.objects.visible_to(user)
        .filter(kind__in=RATING_UNIT_KINDS)
        .annotate(
            member_count=subtree_member_count(),
            rated=_count(ratings),
            excellent=_count(ratings.filter(grade=Grade.EXCELLENT)),
            good=_count(ratings.filter(grade=Grade.GOOD)),
            completed=_count(ratings.filter(grade=Grade.COMPLETED)),
            not_completed=_count(ratings.filter(grade=Grade.NOT_COMPLETED)),
            finalization_status=Subquery(finalization.values("status")[:1]),
        )
        .order_by("path")
    )
