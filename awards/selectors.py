"""Reads of the awards pages and exports: eligibility, nominations, decisions,
the register and membership badges.

Eligibility
-----------
Each criterion is a function that answers, in **one SQL statement**, the
candidates of an award kind for a period inside the user's scope, with the
evidence for each. Nothing loops over members in Python and nothing is
queried per candidate, so a whole province costs one round trip:

- the *pool* (who may be considered) is an ordinary ORM queryset: scoped
  with ``visible_to(user)``, inside the granting organization's subtree, in
  good standing at the period's end, not already awarded the same kind for
  the same period, annotated with any open nomination of the same kind and
  period. Its SQL becomes the first common table expression;
- the rating criteria then find runs of "excellent" years with the
  gaps-and-islands pattern: over the excellent ratings of each subject,
  ``year - ROW_NUMBER() OVER (PARTITION BY subject ORDER BY year)`` is
  constant along a run of consecutive years, so grouping by it gives each
  run's first year, last year and length. A candidate has a run that ends
  with the period's last rated year and is at least N long. A missing year
  and a year rated anything else both break the run;
- the badge criterion computes each member's interrupted days up to the
  occasion (or up to death) and compares dates in SQL.

Both PostgreSQL and SQLite (3.25+, for window functions) run the same
statements; date arithmetic differs and is written per vendor (``_Dialect``).

Ratings are attached to the member, not to the member's organization of the
year, so a member's run follows the member across transfers. A year rated
while the member was probationary counts as a rated year like any other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import Case, When
from django.db.models.functions import Substr
from django.db.models.lookups import In

from committees.dates import add_months, compute_party_age
from committees.documents import format_number, term_on
from committees.models import (
    ACTIVE_MEMBER_STATUSES,
    DocumentCounter,
    DocumentKind,
    ExcellentRun,
    Grade,
    Interruption,
    Member,
    MemberStatus,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Position,
    Rating,
)
from portal.access import confined, scope_path

from .models import (
    OCCASIONS,
    OPEN_STATUSES,
    Award,
    AwardKind,
    Criterion,
    Decision,
    EmulationPeriod,
    ItemStatus,
    Nomination,
    NominationEvent,
    NominationItem,
    NominationStatus,
    PeriodType,
    RecipientType,
)

#: Early presentation of a badge to a seriously ill member, in years, by the
#: badge's years (DOMAIN.md §5): 12 months for 30–65, 24 months for 70–90.
ILL_EARLY_YEARS = {y: (1 if y <= 65 else 2) for y in range(30, 91)}
#: A deceased member receives it posthumously up to 12 months early.
DECEASED_EARLY_YEARS = 1
#: A deceased member stays on the badge list this long after death, so that
#: the list does not fill with members who died long ago.
DECEASED_LISTED_MONTHS = 12

#: Kinds of committee a nomination stops at on its way up, when the award
#: kind passes through intermediate levels.
STOP_KINDS = frozenset(
    {
        OrganizationKind.DISTRICT,
        OrganizationKind.DIRECT,
        OrganizationKind.COMMUNE,
        OrganizationKind.GRASSROOTS_COMMITTEE,
    }
)


def _visible(queryset: QuerySet, user: Any) -> QuerySet:
    """Scoped to the user; ``None`` is the system (commands, the demo)."""
    return queryset if user is None else queryset.visible_to(user)


# ---------------------------------------------------------------- candidates


@dataclass
class Candidate:
    """One row of an eligibility list (and of its export)."""

    recipient_type: str
    pk: int
    name: str
    #: party card number, or the organization's code
    identifier: str
    #: the member's organization, or the organization itself
    organization_id: int
    organization_name: str
    organization_path: str
    status: str
    evidence: dict[str, Any] = field(default_factory=dict)
    open_nomination_id: int | None = None
    #: membership badges: the badge due and its kind
    badge_years: int | None = None
    kind_id: int | None = None

    @property
    def key(self) -> str:
        prefix = "m" if self.recipient_type == RecipientType.MEMBER else "o"
        return f"{prefix}{self.pk}"

    @property
    def is_member(self) -> bool:
        return self.recipient_type == RecipientType.MEMBER


class _Dialect:
    """The date arithmetic of the eligibility SQL, per database vendor."""

    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def days(self, start: str, end: str) -> str:
        """Whole days from ``start`` to ``end`` (end - start)."""
        if self.pg:
            return f"(({end})::date - ({start})::date)"
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"

    def add_years(self, day: str, years: int) -> str:
        """``day`` + ``years``, 29 February → 28 February (as ``add_months``)."""
        years = int(years)  # only integers reach the SQL text
        if self.pg:
            return f"(({day}) + INTERVAL '{years} years')::date"
        moved = f"date({day}, '+{years} years')"
        # SQLite rolls 29/02 over into March: step back to the month's end.
        return (
            f"(CASE WHEN strftime('%%d', {moved}) <> strftime('%%d', {day}) "
            f"THEN date({moved}, 'start of month', '-1 day') ELSE {moved} END)"
        )

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"MAX({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"MIN({a}, {b})"

    def text(self, value: str) -> str:
        return f"CAST({value} AS TEXT)"

    def join_text(self, value: str) -> str:
        if self.pg:
            return f"string_agg({value}, ';')"
        return f"group_concat({value}, ';')"


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _fetch(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _as_date(value: Any) -> date | None:
    """Raw SQLite rows carry dates as text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def merged_lineage() -> tuple[str, tuple]:
    """SQL of (predecessor_id, successor_id): organizations merged into another.

    Restructuring records what a merged organization became
    (``Organization.merged_into``); a chain of mergers (A into B, B later
    into C) credits C with A's history too. The eligibility SQL joins this
    relation only where the award kind includes merged organizations'
    history.
    """
    organization = _table(Organization)
    return (
        f"""WITH RECURSIVE chain(predecessor_id, successor_id) AS (
    SELECT id, merged_into_id FROM {organization} WHERE merged_into_id IS NOT NULL
    UNION
    SELECT chain.predecessor_id, o.merged_into_id
    FROM chain JOIN {organization} o ON o.id = chain.successor_id
    WHERE o.merged_into_id IS NOT NULL
)
SELECT predecessor_id, successor_id FROM chain""",
        (),
    )


def _good_standing(ends_on: date) -> Q:
    """Probationary or official at the period's end: a member who died or
    was transferred out after it still counts; expelled or removed members
    never do."""
    return Q(status__in=ACTIVE_MEMBER_STATUSES) | Q(
        status__in=(MemberStatus.DECEASED, MemberStatus.TRANSFERRED_OUT),
        status_changed_on__gt=ends_on,
    )


def _member_values(queryset: QuerySet) -> QuerySet:
    return queryset.order_by().values(
        m_id=F("pk"),
        m_name=F("full_name"),
        m_key=F("search_key"),
        m_card=F("card_number"),
        m_status=F("status"),
        m_admitted=F("admitted_on"),
        m_changed=F("status_changed_on"),
        m_ill=F("seriously_ill"),
        org_id=F("organization_id"),
        org_name=F("organization__name"),
        org_code=F("organization__code"),
        org_path=F("organization__path"),
    )


def _awarded(kind: AwardKind, period: EmulationPeriod, field: str) -> QuerySet:
    """Ids of the subjects holding the kind for the period (uncorrelated: the
    database computes it once, not once per candidate)."""
    return Award.objects.filter(
        kind=kind,
        period=period,
        revoked_at__isnull=True,
        **{f"{field}__isnull": False},  # NOT IN and NULL do not mix
    ).values(field)


def open_nominations(
    kind: AwardKind, period: EmulationPeriod | None, field: str
) -> tuple[str, tuple]:
    """SQL of (subject_id, nomination_id): the subjects already in an open
    nomination of the kind (for the period), each with the first one."""
    items = NominationItem.objects.filter(
        nomination__kind=kind,
        nomination__status__in=OPEN_STATUSES,
        **{f"{field}__isnull": False},
    ).exclude(status=ItemStatus.REJECTED)
    if period is not None:
        items = items.filter(nomination__period=period)
    return _sql(
        items.order_by()
        .values(subject_id=F(field))
        .annotate(nomination_id=Min("nomination_id"))
    )


def member_pool(
    user: Any,
    *,
    kind: AwardKind,
    period: EmulationPeriod,
    within: Organization | None = None,
    member_ids: Iterable[int] | None = None,
) -> QuerySet:
    """Members who may be considered for a member kind: in the scope and
    under the granting organization, in good standing at the period's end,
    not already awarded the kind for the period."""
    members = _visible(Member.objects.all(), user).filter(
        organization__path__startswith=kind.granting_organization.path
    )
    if within is not None:
        members = members.filter(organization__path__startswith=within.path)
    if member_ids is not None:
        members = members.filter(pk__in=list(member_ids))
    return _member_values(
        members.filter(_good_standing(period.ends_on)).exclude(
            pk__in=_awarded(kind, period, "member")
        )
    )


def organization_pool(
    user: Any,
    *,
    kind: AwardKind,
    period: EmulationPeriod,
    within: Organization | None = None,
    organization_ids: Iterable[int] | None = None,
) -> QuerySet:
    """Organizations of the kind's recipient kinds below the granting one,
    active, not already awarded the kind for the period."""
    granting = kind.granting_organization
    organizations = (
        _visible(Organization.objects.all(), user)
        .filter(path__startswith=granting.path, kind__in=kind.recipient_kind_list)
        .exclude(pk=granting.pk)
        .filter(status=OrganizationStatus.ACTIVE)
    )
    if within is not None:
        organizations = organizations.filter(path__startswith=within.path)
    if organization_ids is not None:
        organizations = organizations.filter(pk__in=list(organization_ids))
    return (
        organizations.exclude(pk__in=_awarded(kind, period, "organization"))
        .order_by()
        .values(
            o_id=F("pk"),
            o_name=F("name"),
            o_key=F("search_key"),
            o_code=F("code"),
            o_kind=F("kind"),
            o_path=F("path"),
        )
    )


_RUNS = """
excellent AS (
    SELECT subject_id, year, inherited,
           year - ROW_NUMBER() OVER (PARTITION BY subject_id ORDER BY year) AS island
    FROM credited
    WHERE grade = %s AND year <= %s
),
runs AS (
    SELECT subject_id, MIN(year) AS run_from, MAX(year) AS run_to,
           COUNT(*) AS run_length, SUM(inherited) AS inherited_years
    FROM excellent
    GROUP BY subject_id, island
)"""


def _run_evidence(row: dict[str, Any], kind: AwardKind, last: int) -> dict[str, Any]:
    needed = kind.years_in_a_row
    return {
        "criterion": kind.criterion,
        "years": [
            {"year": year, "grade": Grade.EXCELLENT}
            for year in range(last - needed + 1, last + 1)
        ],
        "run_from": int(row["run_from"]),
        "run_length": int(row["run_length"]),
        "inherited_years": int(row.get("inherited_years") or 0),
        "through": last,
    }


def consecutive_excellent_members(
    user: Any,
    *,
    kind: AwardKind,
    period: EmulationPeriod,
    within: Organization | None = None,
    member_ids: Iterable[int] | None = None,
) -> list[Candidate]:
    """Members rated excellent N years in a row, ending with the period's last
    rated year (N = 5 and 2024 for the 2020–2025 term): one query."""
    pool_sql, pool_params = _sql(
        member_pool(
            user, kind=kind, period=period, within=within, member_ids=member_ids
        )
    )
    opened_sql, opened_params = open_nominations(kind, period, "member")
    last = period.last_rated_year
    needed = kind.years_in_a_row
    # The runs of consecutive excellent years are kept per member (database
    # triggers, committees.ExcellentRun): a run covers the N years ending
    # with the last rated year when it starts by then and lasts until it.
    # Counted to the last rated year, as if later years were not there.
    # The pool is inlined (NOT MATERIALIZED), so that the database can go
    # from the few runs of the scope's organizations to their members
    # instead of listing every member of the scope first.
    sql = f"""
WITH pool AS NOT MATERIALIZED ({pool_sql}),
opened AS ({opened_sql})
SELECT pool.*, runs.first_year AS run_from,
       %s - runs.first_year + 1 AS run_length, 0 AS inherited_years,
       opened.nomination_id AS open_nomination
FROM {_table(ExcellentRun)} runs
JOIN pool ON pool.m_id = runs.member_id AND pool.org_id = runs.organization_id
LEFT JOIN opened ON opened.subject_id = pool.m_id
WHERE runs.first_year <= %s AND runs.last_year >= %s
ORDER BY pool.org_path, pool.m_key, pool.m_id"""
    params = (
        *pool_params,
        *opened_params,
        last,
        last - needed + 1,
        last,
    )
    return [
        _member_candidate(row, evidence=_run_evidence(row, kind, last))
        for row in _fetch(sql, params)
    ]


def _member_candidate(
    row: dict[str, Any], *, evidence: dict[str, Any], **extra: Any
) -> Candidate:
    return Candidate(
        recipient_type=RecipientType.MEMBER,
        pk=row["m_id"],
        name=row["m_name"],
        identifier=row["m_card"],
        organization_id=row["org_id"],
        organization_name=row["org_name"],
        organization_path=row["org_path"],
        status=row["m_status"],
        evidence=evidence,
        open_nomination_id=row["open_nomination"],
        **extra,
    )


def excellent_organizations(
    user: Any,
    *,
    kind: AwardKind,
    period: EmulationPeriod,
    within: Organization | None = None,
    organization_ids: Iterable[int] | None = None,
) -> list[Candidate]:
    """Organizations rated excellent N years in a row ending with the
    period's last rated year (N = 1: "excellent for the year"): one query.

    Where the kind includes merged organizations' history, an organization
    is credited with the ratings of those merged into it for the years it
    was not rated itself.
    """
    pool_sql, pool_params = _sql(
        organization_pool(
            user,
            kind=kind,
            period=period,
            within=within,
            organization_ids=organization_ids,
        )
    )
    rating = _table(Rating)
    own = f"""
    SELECT r.organization_id AS subject_id, r.year AS year, r.grade AS grade,
           0 AS inherited
    FROM {rating} r
    WHERE r.organization_id IN (SELECT o_id FROM pool)"""
    lineage_params: tuple = ()
    if kind.includes_merged_history:
        lineage_sql, lineage_params = merged_lineage()
        credited = f"""
credited_all AS ({own}
    UNION ALL
    SELECT l.successor_id, r.year, r.grade, 1
    FROM {rating} r JOIN ({lineage_sql}) l ON l.predecessor_id = r.organization_id
    WHERE l.successor_id IN (SELECT o_id FROM pool)
),
credited AS (
    SELECT subject_id, year, grade, inherited FROM (
        SELECT subject_id, year, grade, inherited,
               ROW_NUMBER() OVER (
                   PARTITION BY subject_id, year ORDER BY inherited
               ) AS pick
        FROM credited_all
    ) ranked
    WHERE pick = 1
),"""
    else:
        credited = f"credited AS ({own}\n),"
    opened_sql, opened_params = open_nominations(kind, period, "organization")
    last = period.last_rated_year
    sql = f"""
WITH pool AS ({pool_sql}),
opened AS ({opened_sql}),
{credited}{_RUNS}
SELECT pool.*, runs.run_from, runs.run_length, runs.inherited_years,
       opened.nomination_id AS open_nomination
FROM pool JOIN runs ON runs.subject_id = pool.o_id
LEFT JOIN opened ON opened.subject_id = pool.o_id
WHERE runs.run_to = %s AND runs.run_length >= %s
ORDER BY pool.o_path"""
    params = (
        *pool_params,
        *opened_params,
        *lineage_params,
        Grade.EXCELLENT,
        last,
        last,
        kind.years_in_a_row,
    )
    return [
        _organization_candidate(row, evidence=_run_evidence(row, kind, last))
        for row in _fetch(sql, params)
    ]


def _organization_candidate(row: dict[str, Any], *, evidence: dict) -> Candidate:
    return Candidate(
        recipient_type=RecipientType.ORGANIZATION,
        pk=row["o_id"],
        name=row["o_name"],
        identifier=row["o_code"],
        organization_id=row["o_id"],
        organization_name=row["o_name"],
        organization_path=row["o_path"],
        status=row["o_kind"],
        evidence=evidence,
        open_nomination_id=row["open_nomination"],
    )


#: The eligibility function of each computed criterion.
CRITERIA = {
    Criterion.CONSECUTIVE_EXCELLENT_MEMBER: consecutive_excellent_members,
    Criterion.EXCELLENT_ORGANIZATION_YEAR: excellent_organizations,
    Criterion.CONSECUTIVE_EXCELLENT_ORGANIZATION: excellent_organizations,
}


def eligible_candidates(
    user: Any,
    *,
    kind: AwardKind,
    period: EmulationPeriod,
    within: Organization | None = None,
    ids: Iterable[int] | None = None,
) -> list[Candidate]:
    """The eligibility list of a kind for a period in the user's scope (the
    rows of the page and of its export). Manual kinds have none; badges have
    their own list (``badges_due``)."""
    function = CRITERIA.get(kind.criterion)
    if function is None:
        return []
    key = "member_ids" if kind.for_members else "organization_ids"
    extra = {key: ids} if ids is not None else {}
    return function(user, kind=kind, period=period, within=within, **extra)


# ---------------------------------------------------------------- badges


#: The badge kinds that may be granted, by years of party age, the kind of
#: the deepest granting organization first (a province's own kind before
#: one of the whole portal).
BadgeKinds = dict[int, list[AwardKind]]


def badge_kinds(user: Any = None, within: Organization | None = None) -> BadgeKinds:
    """The active badge kinds by their years of party age, for the members
    the user sees (``within``: under that organization): the kinds granted
    by an organization above the scope or inside it. Each member takes, for
    the badge due, the kind of the deepest granting organization above them
    (``badge_kind_for``). Without a user: every kind."""
    kinds = (
        AwardKind.objects.active()
        .filter(criterion=Criterion.BADGE)
        .select_related("granting_organization")
        .order_by("badge_years", "-granting_organization__depth", "id")
    )
    prefix = within.path if within is not None else scope_path(user)
    if user is not None or within is not None:
        if prefix is None:
            return {}
        if prefix:
            steps = range(Organization.steplen, len(prefix) + 1, Organization.steplen)
            kinds = kinds.filter(
                Q(granting_organization__path__startswith=prefix)
                | Q(granting_organization__path__in=[prefix[:n] for n in steps])
            )
    grouped: BadgeKinds = {}
    for kind in kinds:
        grouped.setdefault(kind.badge_years, []).append(kind)
    return grouped


def badge_kind_for(kinds: BadgeKinds, years: int, path: str) -> AwardKind | None:
    """The kind of ``years`` whose granting organization is the deepest one
    above (or at) the organization of ``path``; None where none is."""
    return next(
        (
            k
            for k in kinds.get(years, [])
            if path.startswith(k.granting_organization.path)
        ),
        None,
    )


def early_years(badge_years: int, *, seriously_ill: bool, deceased: bool) -> int:
    """How many years early a badge may be presented (DOMAIN.md §5)."""
    if deceased:
        return DECEASED_EARLY_YEARS
    if seriously_ill:
        return ILL_EARLY_YEARS.get(badge_years, 0)
    return 0


def badges_due(
    user: Any,
    *,
    occasion: date,
    since: date | None = None,
    within: Organization | None = None,
    member_ids: Iterable[int] | None = None,
    kinds: BadgeKinds | None = None,
) -> list[Candidate]:
    """Members due a membership badge on ``occasion``: one query.

    A member's party age on the occasion (on the day of death for a deceased
    member) is measured as ``compute_party_age`` does: from admission, the
    interrupted days moved off. A badge of X years is reached when the
    admission date plus X years, plus the interrupted days, is not after
    that day (the anniversary itself counts); a seriously ill member may
    have it 12 months early (30–65 years) or 24 months (70–90), a deceased
    member posthumously 12 months early. Each member gets the highest badge
    reached, unless they hold it (or a higher one) already.

    With ``since`` (the previous occasion), only badges reached after that
    day are listed: those reached earlier were due then.

    Interruptions of one member do not overlap (``add_interruption`` refuses
    it), so their days simply add up.
    """
    kinds = badge_kinds(user, within) if kinds is None else kinds
    if not kinds:
        return []
    sql, params = _badges_sql(
        user,
        occasion=occasion,
        since=since,
        within=within,
        member_ids=member_ids,
        kinds=kinds,
    )
    candidates = (_badge_candidate(row, kinds, occasion) for row in _fetch(sql, params))
    return [c for c in candidates if c is not None]


@dataclass
class BadgePage:
    """One page of the badge list, with the totals of the whole list."""

    rows: list[Candidate]
    total: int
    #: members due each badge (years -> count), over all pages
    by_years: dict[int, int]


def badges_due_page(
    user: Any,
    *,
    occasion: date,
    since: date | None = None,
    within: Organization | None = None,
    page: int = 1,
    per_page: int = 50,
) -> BadgePage:
    """A page of ``badges_due`` (same order), and the totals of the whole
    list: a constant number of queries.

    Between two occasions (``since``), for the whole portal, the list is
    read from the badge clock (``_clock_page``): 111,531 members due at the
    nation's scale in 0.13 s instead of 3.8 s. Inside a scope (a province)
    the one statement that computes the party age of the scope's members
    reads fewer rows than the clock's ranges over the whole country (81 ms
    against 100 ms), and so does the overdue list (no ``since``), which
    needs every candidate's party age (bench/RESULTS.md).
    """
    kinds = badge_kinds(user, within)
    if not kinds:
        return BadgePage([], 0, {})
    if (
        since is not None
        and not confined(user, within)
        and _windows_apart(kinds, since, occasion)
    ):
        return _clock_page(
            user,
            occasion=occasion,
            since=since,
            kinds=kinds,
            page=max(1, page),
            per_page=per_page,
        )
    sql, params = _badges_sql(
        user, occasion=occasion, since=since, within=within, kinds=kinds
    )
    paged = f"""
SELECT * FROM (
    SELECT q.*, COUNT(*) OVER (PARTITION BY q.due_years) AS group_total,
           COUNT(*) OVER () AS total_rows
    FROM ({sql}) q
) w
ORDER BY w.due_years DESC, w.org_path, w.m_key, w.m_id
LIMIT %s OFFSET %s"""
    page = max(1, page)
    rows = _fetch(paged, (*params, per_page, (page - 1) * per_page))
    if not rows and page > 1:  # past the end: the last page
        first = _fetch(paged, (*params, 1, 0))
        if not first:
            return BadgePage([], 0, {})
        last = max(1, -(-int(first[0]["total_rows"]) // per_page))
        rows = _fetch(paged, (*params, per_page, (last - 1) * per_page))
    if not rows:
        return BadgePage([], 0, {})
    return BadgePage(
        [c for c in (_badge_candidate(r, kinds, occasion) for r in rows) if c],
        int(rows[0]["total_rows"]),
        {int(r["due_years"]): int(r["group_total"]) for r in rows},
    )


def _windows_apart(kinds: BadgeKinds, since: date, occasion: date) -> bool:
    """Whether nobody can cross two badges between ``since`` and
    ``occasion``, as ``_clock_page`` assumes: the days are closer together
    than the years between any two badges, the allowance of the seriously
    ill included (65 years at 64, 70 at 68)."""
    closest = 99
    for shift in (0, 1):
        reached = sorted(y - shift * ILL_EARLY_YEARS.get(y, 0) for y in kinds)
        gaps = [b - a for a, b in zip(reached, reached[1:], strict=False)]
        closest = min([closest, *gaps])
    return since < occasion <= add_months(since, 12 * closest) - timedelta(days=1)


def _clock_page(
    user: Any,
    *,
    occasion: date,
    since: date,
    kinds: BadgeKinds,
    page: int,
    per_page: int,
) -> BadgePage:
    """A page of the members of the whole portal reaching a badge after
    ``since`` and by ``occasion``, not holding it: the same members, badges
    and order as ``_badges_sql`` with ``since``, in five queries whatever
    the size.

    An active member whose interruptions all ended before ``since`` has the
    same interrupted days on both days: they reach X years on
    ``admitted_on + X years + interrupted_days`` (``compute_party_age``;
    seriously ill: the allowance's years earlier), within a few days of their
    badge clock plus X years. So the members of each badge are an index
    range of the clock (``member_badge_clock_idx``, which holds every column
    read), the exact day tested on the index's columns (``_clock_sql``).
    The others (an interruption since, died since: few) go through
    ``_badges_sql``, which computes their party age.

    When every root of the tree lies under a granting organization (the
    provinces grant their own badges), the totals need no organization.

    The totals per badge are counted first; only the badges the page falls
    in are then read in order, and only up to the page's end. The page's
    members are then computed in full (``badges_due``: their evidence).
    """
    others = (  # each one an index (committees.Member.Meta)
        Q(interrupted_until__gte=since, status__in=ACTIVE_MEMBER_STATUSES)
        | Q(status=MemberStatus.DECEASED, status_changed_on__gt=since)
    )
    sql, params = _badges_sql(
        user, occasion=occasion, since=since, within=None, kinds=kinds, only=others
    )
    found = [
        (int(r["due_years"]), r["org_path"], r["m_key"], r["m_id"])
        for r in _fetch(
            f"SELECT s.due_years, s.org_path, s.m_key, s.m_id FROM ({sql}) s", params
        )
    ]
    paths, path_params = _granting_sql(kinds)
    plain, plain_params = _clock_sql(kinds, since, occasion)
    by_years = Counter(years for years, *_rest in found)
    everyone = _granting_everywhere(kinds)
    for row in _fetch(
        f"""SELECT x.due_years, COUNT(*) AS n FROM ({plain}) x
        {"" if everyone else f"JOIN {_table(Organization)} o ON o.id = x.org_id"}
        WHERE {"1 = 1" if everyone else paths}
        GROUP BY x.due_years""",
        (*plain_params, *([] if everyone else path_params)),
    ):
        by_years[int(row["due_years"])] += int(row["n"])
    total = sum(by_years.values())
    if not total:
        return BadgePage([], 0, {})
    page = min(page, -(-total // per_page))  # past the end: the last page
    start = (page - 1) * per_page
    before, needed = 0, {}
    for years in sorted(by_years, reverse=True):  # the badges the page shows
        if before + by_years[years] <= start:
            before += by_years[years]
        elif sum(by_years[y] for y in needed) + before < start + per_page:
            needed[years] = by_years[years]
    wanted = start - before + per_page  # rows of those badges up to the page's end
    plain, plain_params = _clock_sql({y: kinds[y] for y in needed}, since, occasion)
    rows = [
        (int(r["due_years"]), r["org_path"], r["m_key"], r["m_id"])
        for r in _fetch(
            f"""SELECT x.due_years, o.path AS org_path, x.m_key, x.m_id
            FROM ({plain}) x JOIN {_table(Organization)} o ON o.id = x.org_id
            WHERE {paths}
            ORDER BY x.due_years DESC, o.path, x.m_key, x.m_id LIMIT %s""",
            (*plain_params, *path_params, wanted),
        )
    ]
    rows += [row for row in found if row[0] in needed]
    rows.sort(key=lambda r: (-r[0], r[1], r[2], r[3]))
    ids = [m_id for *_rest, m_id in rows[start - before : start - before + per_page]]
    full = {
        c.pk: c
        for c in badges_due(
            user, occasion=occasion, since=since, member_ids=ids, kinds=kinds
        )
    }
    return BadgePage([full[i] for i in ids if i in full], total, dict(by_years))


def _clock_sql(kinds: BadgeKinds, since: date, occasion: date) -> tuple[str, list]:
    """The members of ``_clock_page`` read from the badge clock:
    (m_id, due_years, org_id, m_key), one index range per badge."""
    d = _Dialect(connection.vendor)
    clock = (
        "(m.admitted_on + m.interrupted_days)"  # as member_badge_clock_idx
        if d.pg
        else "date(m.admitted_on, m.interrupted_days || ' days')"
    )
    margin = timedelta(days=WINDOW_MARGIN_DAYS)
    parts: list[str] = []
    params: list[Any] = []
    for years in sorted(kinds):
        for ill in (False, True):  # the seriously ill: the allowance earlier
            at = years - (ILL_EARLY_YEARS.get(years, 0) if ill else 0)
            reached = d.add_years("m.admitted_on", at)
            parts.append(
                f"""
    SELECT m.id AS m_id, {int(years)} AS due_years, m.organization_id AS org_id,
           m.search_key AS m_key
    FROM {_table(Member)} m
    WHERE m.status IN ('probationary', 'official')
      AND {"" if ill else "NOT "}m.seriously_ill
      AND {clock} > %s AND {clock} <= %s
      AND (m.interrupted_until IS NULL OR m.interrupted_until < %s)
      AND m.badge_held < {int(years)}
      AND {d.days(reached, "%s")} >= m.interrupted_days
      AND {d.days(reached, "%s")} < m.interrupted_days"""
            )
            params += [
                add_months(since, -12 * at) - margin,
                add_months(occasion, -12 * at) + margin,
                since,
                occasion,
                since,
            ]
    if not parts:
        return (
            "SELECT 0 AS m_id, 0 AS due_years, 0 AS org_id, '' AS m_key WHERE 1 = 0",
            [],
        )
    return " UNION ALL ".join(parts), params


def _granting_everywhere(kinds: BadgeKinds) -> bool:
    """Whether every root of the tree lies under a granting organization of
    the kinds (one query of the roots)."""
    granting = tuple(p for group in _granting_paths(kinds).values() for p in group)
    roots = Organization.objects.get_root_nodes().values_list("path", flat=True)
    return all(path.startswith(granting) for path in roots)


def _granting_paths(kinds: BadgeKinds) -> dict[int, list[str]]:
    """The paths of the kinds' granting organizations by their length: a
    member is under one when their organization's path, cut to one of these
    lengths, is in that length's list (a hashed lookup, not a pattern per
    province)."""
    by_length: dict[int, list[str]] = {}
    paths = {k.granting_organization.path for group in kinds.values() for k in group}
    for path in sorted(paths):
        by_length.setdefault(len(path), []).append(path)
    return by_length


def _granting_sql(kinds: BadgeKinds) -> tuple[str, list[str]]:
    """SQL: the organization ``o`` lies under a granting organization of the
    kinds; each set of paths of one length is one hashed list of prefixes,
    not a pattern per province."""
    by_length = _granting_paths(kinds)
    tests = [
        f"SUBSTR(o.path, 1, {length}) IN ({', '.join(['%s'] * len(group))})"
        for length, group in by_length.items()
    ]
    return "(" + " OR ".join(tests) + ")", [p for g in by_length.values() for p in g]


def _badge_candidate(
    row: dict[str, Any], kinds: BadgeKinds, occasion: date
) -> Candidate | None:
    """The row as a candidate, with the kind that grants its badge there
    (None where no kind of those years covers the member's organization)."""
    years = int(row["due_years"])
    kind = badge_kind_for(kinds, years, row["org_path"])
    if kind is None:
        return None
    return _member_candidate(
        row,
        evidence=_badge_evidence(row, years, occasion),
        badge_years=years,
        kind_id=kind.pk,
    )


def _badges_sql(
    user: Any,
    *,
    occasion: date,
    since: date | None,
    within: Organization | None,
    kinds: BadgeKinds,
    member_ids: Iterable[int] | None = None,
    only: Q | None = None,
) -> tuple[str, tuple]:
    """The statement of ``badges_due`` and its parameters (``only``: of
    these members alone)."""
    in_granting = Q()
    for length, group in _granting_paths(kinds).items():
        in_granting |= Q(In(Substr("organization__path", 1, length), group))
    members = _visible(Member.objects.all(), user).filter(in_granting)
    if within is not None:
        members = members.filter(organization__path__startswith=within.path)
    if member_ids is not None:
        members = members.filter(pk__in=list(member_ids))
    if only is not None:  # few members, read through their own indexes
        members = members.filter(only)
    else:
        # Nobody admitted later than this can reach the smallest badge, even
        # early (interruptions only push the day further): an index filter.
        earliest = min(
            years - max(ILL_EARLY_YEARS.get(years, 0), DECEASED_EARLY_YEARS)
            for years in kinds
        )
        members = members.filter(admitted_on__lte=add_months(occasion, -12 * earliest))
    members = members.filter(
        Q(status__in=ACTIVE_MEMBER_STATUSES)
        | Q(
            status=MemberStatus.DECEASED,
            status_changed_on__lte=occasion,
            status_changed_on__gte=add_months(occasion, -DECEASED_LISTED_MONTHS),
        )
    )
    if since is not None and only is None:
        members = members.filter(
            _badge_window(kinds, since, occasion, scoped=confined(user, within))
        )
    dead = When(status=MemberStatus.DECEASED, then=F("status_changed_on"))
    members = members.annotate(
        age_on=Case(dead, default=Value(occasion), output_field=DateField())
    )
    if since is not None:
        # Party age on the previous occasion, or on the day of death before it.
        members = members.annotate(
            prev_on=Case(
                When(
                    status=MemberStatus.DECEASED,
                    status_changed_on__lt=since,
                    then=F("status_changed_on"),
                ),
                default=Value(since),
                output_field=DateField(),
            )
        )
    columns = ["age_on", *(["prev_on"] if since is not None else [])]
    pool_sql, pool_params = _sql(
        members.order_by().values(
            *columns,
            m_id=F("pk"),
            m_name=F("full_name"),
            m_key=F("search_key"),
            m_card=F("card_number"),
            m_status=F("status"),
            m_admitted=F("admitted_on"),
            m_changed=F("status_changed_on"),
            m_ill=F("seriously_ill"),
            org_id=F("organization_id"),
            org_name=F("organization__name"),
            org_code=F("organization__code"),
            org_path=F("organization__path"),
        )
    )
    d = _Dialect(connection.vendor)
    start = d.greatest("i.started_on", "p.m_admitted")

    def gap(on: str) -> str:
        end = d.least(f"COALESCE(i.ended_on, {on})", on)
        overlap = d.days(start, end) + " + 1"
        return f"SUM(CASE WHEN {start} <= {end} THEN {overlap} ELSE 0 END)"

    span = f"{d.text('i.started_on')} || '/' || COALESCE({d.text('i.ended_on')}, '')"
    prev_gap = f", {gap('p.prev_on')} AS gap_prev" if since is not None else ""
    prev_aged = ", COALESCE(g.gap_prev, 0) AS gap_prev" if since is not None else ""
    prev_due = (
        f", {_badge_case(d, kinds, 'a.prev_on', 'a.gap_prev')} AS prev_years"
        if since is not None
        else ""
    )
    newly = (
        "AND (due.prev_years IS NULL OR due.prev_years < due.due_years)"
        if since is not None
        else ""
    )
    award, kind_table = _table(Award), _table(AwardKind)
    item, nomination = _table(NominationItem), _table(Nomination)
    open_statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    sql = f"""
WITH pool AS ({pool_sql}),
gaps AS (
    SELECT p.m_id AS member_id, {gap("p.age_on")} AS gap_days{prev_gap},
           {d.join_text(span)} AS spans
    FROM pool p
    JOIN {_table(Interruption)} i ON i.member_id = p.m_id
    WHERE i.started_on <= p.age_on
    GROUP BY p.m_id
),
aged AS (
    SELECT p.*, COALESCE(g.gap_days, 0) AS gap_days{prev_aged}, g.spans AS spans
    FROM pool p LEFT JOIN gaps g ON g.member_id = p.m_id
),
due AS (
    SELECT a.*, {_badge_case(d, kinds, "a.age_on", "a.gap_days")} AS due_years
           {prev_due}
    FROM aged a
)
SELECT due.*, (
    SELECT n.id FROM {item} ni
    JOIN {nomination} n ON n.id = ni.nomination_id
    JOIN {kind_table} nk ON nk.id = n.kind_id
    WHERE ni.member_id = due.m_id AND ni.status <> 'rejected'
      AND n.status IN ({open_statuses}) AND nk.badge_years = due.due_years
    ORDER BY n.id LIMIT 1
) AS open_nomination
FROM due
WHERE due.due_years IS NOT NULL {newly}
  AND NOT EXISTS (
    SELECT 1 FROM {award} aw JOIN {kind_table} k ON k.id = aw.kind_id
    WHERE aw.member_id = due.m_id AND aw.revoked_at IS NULL
      AND k.criterion = 'badge' AND k.badge_years >= due.due_years
  )
ORDER BY due.due_years DESC, due.org_path, due.m_key, due.m_id"""
    return sql, tuple(pool_params)


#: Days added on each side of the admission windows of ``_badge_window``:
#: 29 February plus X years falls on 28 February (``add_months``).
WINDOW_MARGIN_DAYS = 3


def _badge_window(kinds: BadgeKinds, since: date, occasion: date, *, scoped: bool) -> Q:
    """Members who may reach a badge after ``since`` and by ``occasion``: a
    superset of those the statement keeps, read through the admission index
    instead of computing every member's party age.

    Inside a scope (``scoped``: a province at the nation's scale) the members
    with an interruption are read once as a hashed set: 117 ms instead of
    176 ms with a probe per member; for the whole portal that plan reads
    every member (4.8 s instead of 0.18 s), so there each member the
    admission windows leave is probed (bench/RESULTS.md).

    Without interruptions, allowance or death, a member reaches X years on
    the anniversary of admission, so only those admitted in one of the
    windows (since − X years, occasion − X years] can be new; members with
    an interruption, seriously ill or deceased (few) are all kept, the
    statement decides for them.
    """
    margin = timedelta(days=WINDOW_MARGIN_DAYS)
    q = Q(seriously_ill=True) | Q(status=MemberStatus.DECEASED)
    if scoped:  # one hashed set of the members with an interruption
        q |= Q(pk__in=Interruption.objects.values("member_id"))
    else:  # the whole portal: a probe for each member the windows leave
        q |= Q(Exists(Interruption.objects.filter(member=OuterRef("pk"))))
    for years in kinds:
        q |= Q(
            admitted_on__gt=add_months(since, -12 * years) - margin,
            admitted_on__lte=add_months(occasion, -12 * years) + margin,
        )
    return q


def _badge_case(d: _Dialect, kinds: BadgeKinds, on: str, gap: str) -> str:
    """SQL: the highest badge reached on the day in column ``on`` with
    ``gap`` interrupted days, allowances included (NULL: none)."""

    def reached(years: int) -> str:
        return f"{d.days(d.add_years('a.m_admitted', years), on)} >= {gap}"

    whens = []
    for years in sorted(kinds, reverse=True):
        ill = ILL_EARLY_YEARS.get(years, 0)
        test = [reached(years)]
        if ill:
            test.append(f"(a.m_ill AND {reached(years - ill)})")
        test.append(
            f"(a.m_status = 'deceased' AND {reached(years - DECEASED_EARLY_YEARS)})"
        )
        whens.append(f"WHEN {' OR '.join(test)} THEN {int(years)}")
    return f"CASE {' '.join(whens)} ELSE NULL END"


def _badge_evidence(row: dict[str, Any], years: int, occasion: date) -> dict[str, Any]:
    admitted = _as_date(row["m_admitted"])
    age_on = _as_date(row["age_on"])
    spans = []
    for text in (row["spans"] or "").split(";"):
        if text:
            start, _slash, end = text.partition("/")
            spans.append((_as_date(start), _as_date(end) if end else None))
    spans.sort()
    age = compute_party_age(admitted, spans, age_on)
    deceased = row["m_status"] == MemberStatus.DECEASED
    early = 0
    if age.years < years:
        early = early_years(years, seriously_ill=bool(row["m_ill"]), deceased=deceased)
    return {
        "criterion": Criterion.BADGE,
        "badge_years": years,
        "admitted_on": admitted.isoformat(),
        "interruptions": [
            [s.isoformat(), e.isoformat() if e else None] for s, e in spans
        ],
        "interrupted_days": int(row["gap_days"] or 0),
        "counted_from": age.counted_from.isoformat(),
        "party_age": {"years": age.years, "months": age.months},
        "as_of": age_on.isoformat(),
        "occasion": occasion.isoformat(),
        "early_years": early,
        "early_reason": (
            ("deceased" if deceased else "seriously_ill") if early else ""
        ),
    }


def occasion_dates(year: int) -> list[date]:
    return [date(year, month, day) for month, day in OCCASIONS]


# ---------------------------------------------------------------- choices


def kinds_for(user: Any) -> QuerySet[AwardKind]:
    """Active kinds the user deals with: granted by an organization above,
    at or below their scope."""
    kinds = AwardKind.objects.active().select_related("granting_organization")
    prefix = scope_path(user)
    if prefix is None:
        return kinds.none()
    if prefix:
        scope = user.scope
        kinds = kinds.filter(
            Q(granting_organization__path__startswith=prefix)
            | Q(granting_organization__path__in=scope.ancestor_paths())
        )
    return kinds.order_by("granting_organization__path", "form", "badge_years", "name")


def periods() -> QuerySet[EmulationPeriod]:
    return EmulationPeriod.objects.all()


def proposer_choices(user: Any) -> QuerySet[Organization]:
    """Organizations the user may propose for: active committees and cells
    of the scope."""
    return (
        _visible(Organization.objects.all(), user)
        .active()
        .exclude(kind=OrganizationKind.PARTY_GROUP)
        .order_by("path")
    )


def signer_choices(issuer: Organization, on: date | None = None) -> QuerySet[Member]:
    """Members holding a position in the issuing organization (on a day)."""
    positions = Position.objects.current(on).filter(organization=issuer)
    return (
        Member.objects.filter(Exists(positions.filter(member=OuterRef("pk"))))
        .select_related("organization")
        .order_by("search_key", "id")
    )


def review_chain(kind: AwardKind, proposer: Organization) -> list[Organization]:
    """Where a nomination goes, bottom up: the intermediate committees (when
    the kind passes through them) and last the granting organization. One
    query, from the proposer's path."""
    granting = kind.granting_organization
    if not kind.through_intermediate_levels or proposer.pk == granting.pk:
        return [granting]
    paths = [
        p
        for p in proposer.ancestor_paths(include_self=False)
        if len(p) > len(granting.path) and p.startswith(granting.path)
    ]
    stops = list(
        Organization.objects.filter(path__in=paths, kind__in=STOP_KINDS).order_by(
            "-depth"
        )
    )
    return [*stops, granting]


# ---------------------------------------------------------------- nominations

NOMINATION_SORTS = {
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "kind": ("kind__name", "id"),
    "-kind": ("-kind__name", "-id"),
    "proposer": ("proposer__path", "id"),
    "-proposer": ("-proposer__path", "-id"),
    "status": ("status", "id"),
    "-status": ("-status", "-id"),
}


def nomination_list(
    user: Any,
    *,
    status: str = "",
    kind: AwardKind | None = None,
    period: EmulationPeriod | None = None,
    awaiting_me: bool = False,
    sort: str = "-created",
) -> QuerySet[Nomination]:
    """Nominations in the scope, with their item counts: one query a page."""
    qs = _visible(Nomination.objects.all(), user).select_related(
        "kind", "period", "proposer", "at_organization", "decision__issuer"
    )
    if status:
        qs = qs.filter(status=status)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if period is not None:
        qs = qs.filter(period=period)
    if awaiting_me:
        qs = qs.filter(status=NominationStatus.SUBMITTED)
        prefix = scope_path(user)
        if prefix:
            qs = qs.filter(at_organization__path__startswith=prefix).exclude(
                proposer=user.scope
            )
    qs = qs.annotate(
        item_count=Count("items", distinct=True),
        rejected_count=Count(
            "items", filter=Q(items__status=ItemStatus.REJECTED), distinct=True
        ),
    )
    return qs.order_by(*NOMINATION_SORTS.get(sort, NOMINATION_SORTS["-created"]))


def nomination_for_page(user: Any, pk: int) -> Nomination:
    """A nomination with its items and history: a fixed number of queries."""
    items = NominationItem.objects.select_related(
        "member__organization", "organization", "award"
    ).order_by("id")
    events = NominationEvent.objects.select_related("actor", "at_organization")
    return (
        _visible(Nomination.objects.all(), user)
        .select_related(
            "kind__granting_organization",
            "period",
            "proposer",
            "at_organization",
            "decision__issuer",
            "created_by",
        )
        .prefetch_related(
            Prefetch("items", queryset=items), Prefetch("events", queryset=events)
        )
        .get(pk=pk)
    )


def item_for_user(user: Any, nomination: Nomination, pk: int) -> NominationItem:
    return (
        _visible(NominationItem.objects.all(), user)
        .select_related("member", "organization", "nomination")
        .get(pk=pk, nomination=nomination)
    )


def approved_count(kind: AwardKind, period: EmulationPeriod) -> int:
    """Approved candidates of a kind and period that count against its quota:
    those approved and not yet conferred, and awards in force."""
    pending = NominationItem.objects.filter(
        nomination__kind=kind,
        nomination__period=period,
        nomination__status=NominationStatus.APPROVED,
        status=ItemStatus.APPROVED,
    ).count()
    conferred = Award.objects.filter(
        kind=kind, period=period, revoked_at__isnull=True
    ).count()
    return pending + conferred


# ---------------------------------------------------------------- decisions


def issuable_nominations(user: Any) -> QuerySet[Nomination]:
    """Approved nominations not yet conferred, granted inside the user's
    scope: what a decision can confer."""
    qs = Nomination.objects.filter(
        status=NominationStatus.APPROVED, decision__isnull=True
    )
    prefix = scope_path(user) if user is not None else ""
    if prefix is None:
        return qs.none()
    if prefix:
        qs = qs.filter(kind__granting_organization__path__startswith=prefix)
    return (
        qs.select_related("kind__granting_organization", "period", "proposer")
        .annotate(
            approved_items=Count("items", filter=Q(items__status=ItemStatus.APPROVED))
        )
        .order_by("kind__granting_organization__path", "kind__name", "proposer__path")
    )


def decision_list(user: Any) -> QuerySet[Decision]:
    return (
        _visible(Decision.objects.all(), user)
        .select_related("issuer", "signer", "term")
        .annotate(award_count=Count("awards"))
        .order_by("-signed_on", "-number")
    )


def decision_for_page(user: Any, pk: int) -> Decision:
    return (
        _visible(Decision.objects.all(), user)
        .select_related("issuer", "signer", "term", "issued_by")
        .prefetch_related(
            Prefetch(
                "nominations",
                queryset=Nomination.objects.select_related(
                    "kind", "period", "proposer"
                ),
            )
        )
        .get(pk=pk)
    )


def decision_annex(decision: Decision) -> QuerySet[Award]:
    """The recipients a decision confers (its annex), in order."""
    return (
        Award.objects.filter(decision=decision)
        .select_related("kind", "period", "member__organization", "organization")
        .order_by("kind__name", "organization__path", "member__search_key", "id")
    )


# ---------------------------------------------------------------- register

REGISTER_SORTS = {
    "date": ("signed_on", "recipient_name", "id"),
    "-date": ("-signed_on", "recipient_name", "id"),
    "name": ("recipient_name", "id"),
    "-name": ("-recipient_name", "-id"),
    "kind": ("kind__name", "recipient_name", "id"),
    "-kind": ("-kind__name", "recipient_name", "id"),
    "period": ("period__end_year", "period__start_year", "recipient_name", "id"),
    "-period": ("-period__end_year", "-period__start_year", "recipient_name", "id"),
}


def award_register(
    user: Any,
    *,
    q: str = "",
    period: EmulationPeriod | None = None,
    kind: AwardKind | None = None,
    recipient_type: str = "",
    organization: Organization | None = None,
    revoked: str = "",
    sort: str = "-date",
) -> QuerySet[Award]:
    """Every award whose recipient lies in the user's scope: searchable by
    name without diacritics, filterable, sorted (one query a page)."""
    from committees.text import fold

    qs = _visible(Award.objects.all(), user).select_related(
        "kind",
        "period",
        "decision__issuer",
        "member__organization",
        "organization",
    )
    key = fold(q)
    if key:
        qs = qs.filter(
            Q(member__search_key__contains=key)
            | Q(organization__search_key__contains=key)
        )
    if period is not None:
        qs = qs.filter(period=period)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if recipient_type == RecipientType.MEMBER:
        qs = qs.filter(member__isnull=False)
    elif recipient_type == RecipientType.ORGANIZATION:
        qs = qs.filter(organization__isnull=False)
    if organization is not None:
        qs = qs.filter(recipient_path__startswith=organization.path)
    if revoked == "yes":
        qs = qs.filter(revoked_at__isnull=False)
    elif revoked == "no":
        qs = qs.filter(revoked_at__isnull=True)
    return qs.order_by(*REGISTER_SORTS.get(sort, REGISTER_SORTS["-date"]))


def award_for_page(user: Any, pk: int) -> Award:
    return (
        _visible(Award.objects.all(), user)
        .select_related(
            "kind",
            "period",
            "decision__issuer",
            "decision__signer",
            "member__organization",
            "organization",
            "item__nomination__proposer",
            "revoked_by",
        )
        .get(pk=pk)
    )


def register_organizations(user: Any) -> QuerySet[Organization]:
    """The organization filter of the register: committees down to the
    grassroots level, inside the scope."""
    return (
        _visible(Organization.objects.all(), user)
        .exclude(kind__in=(OrganizationKind.CELL, OrganizationKind.PARTY_GROUP))
        .only("pk", "name", "code", "path", "depth", "status", "kind")
        .order_by("path")
    )


def history_rows(instance: Any, limit: int = 20) -> list[dict[str, Any]]:
    from committees.selectors import history_rows as committee_history_rows

    return committee_history_rows(instance, limit)


def periods_of_type(period_type: str) -> QuerySet[EmulationPeriod]:
    return EmulationPeriod.objects.filter(period_type=period_type)


def current_term_period(year: int) -> EmulationPeriod | None:
    """The term period running in ``year`` (for defaults on the pages)."""
    return (
        EmulationPeriod.objects.filter(
            period_type=PeriodType.TERM, start_year__lte=year, end_year__gte=year
        )
        .order_by("-start_year")
        .first()
    )


def decision_number_preview(issuer: Organization, signed_on: date) -> str | None:
    """The number the next decision of the issuer would take on that day."""
    term = term_on(signed_on)
    if term is None:
        return None
    counter = DocumentCounter.objects.filter(
        issuer=issuer, kind=DocumentKind.DECISION, term=term
    ).first()
    last = counter.last_number if counter else 0
    return format_number(last + 1, DocumentKind.DECISION, issuer)


def previous_occasion(day: date) -> date:
    """The national occasion before ``day`` (a badge reached on it or before
    was due on it)."""
    earlier = [d for d in occasion_dates(day.year) if d < day]
    if earlier:
        return earlier[-1]
    return occasion_dates(day.year - 1)[-1]
