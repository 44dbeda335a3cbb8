"""Selectors: reads of the congress schedule, and the schedule rules.

``schedule_problems`` is the one place the schedule rules are written; the
services (and so the forms and the admin) refuse what it calls an error, and
the report, the list and the timeline show what it finds.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.models import (
    LEVEL_OF_KIND,
    Level,
    Member,
    Organization,
    OrganizationKind,
    Position,
    Term,
)
from portal.access import scope_path
from portal.history import diff_rows

from .models import (
    LIVE_STATUSES,
    CalendarFeed,
    Congress,
    CongressStatus,
    LevelWindow,
    Milestone,
    TermPlan,
)

#: Kinds of organization that hold a congress (a party group does not).
CONGRESS_KINDS = tuple(k for k in OrganizationKind.values if k != "party_group")

#: Levels, lower first: the order congresses are held in.
LEVEL_ORDER = [Level.GRASSROOTS, Level.DISTRICT, Level.PROVINCE]

#: Warn about an organization with no congress this many days before its deadline.
UNSCHEDULED_WARNING_DAYS = 30


def kinds_of_level(level: str) -> list[str]:
    return [k for k in CONGRESS_KINDS if LEVEL_OF_KIND[k] == level]


def fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def congress_dates(congress: Congress) -> str:
    return congress.dates_display


# ---------------------------------------------------------------- thresholds


def thresholds_crossed(
    due_on: date,
    today: date,
    *,
    days_before: Iterable[int],
    on_due_date: bool,
    overdue_every_days: int,
) -> list[int]:
    """Every reminder threshold of a due date that ``today`` has reached.

    A threshold is an offset in days from the due date: ``-14`` is fourteen
    days before it, ``0`` the due date, ``7`` a week overdue. All crossed
    thresholds are returned, oldest first, so that a sweep that did not run
    for a while still finds the ones it missed (the outbox makes each one
    count once). A due date that moved gives new thresholds of its own.
    """
    offset_today = (today - due_on).days
    thresholds = sorted({-abs(d) for d in days_before if d})
    if on_due_date:
        thresholds.append(0)
    if overdue_every_days > 0:
        thresholds.extend(
            range(overdue_every_days, offset_today + 1, overdue_every_days)
        )
    return [t for t in thresholds if t <= offset_today]


# ---------------------------------------------------------------- plans


def current_plan() -> TermPlan | None:
    """The plan of the latest term that has one, with its windows."""
    return (
        TermPlan.objects.select_related("term", "reminder_policy")
        .prefetch_related("windows")
        .order_by("-term__starts_on")
        .first()
    )


def plan_for_term(term: Term) -> TermPlan | None:
    return (
        TermPlan.objects.select_related("term")
        .prefetch_related("windows")
        .filter(term=term)
        .first()
    )


def windows_of(term: Term) -> dict[str, LevelWindow]:
    """The level windows of the term's plan, by level (empty without a plan)."""
    return {w.level: w for w in LevelWindow.objects.filter(plan__term=term).order_by()}


# ---------------------------------------------------------------- schedule rules

ERROR = "error"
WARNING = "warning"
OVERRIDDEN = "overridden"

BELOW_NOT_OVER = "below_not_over"
AFTER_DEADLINE = "after_deadline"
TOO_LONG = "too_long"
BEFORE_MODEL = "before_model"
NOT_SCHEDULED = "not_scheduled"


@dataclass(frozen=True)
class Problem:
    """A breach of a schedule rule, found by ``schedule_problems``."""

    level: str  # ERROR, WARNING or OVERRIDDEN (an error an administrator accepted)
    code: str
    message: str
    organization: Organization
    congress: Congress | None = None
    conflicting: Congress | None = None

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    @property
    def css_class(self) -> str:
        return {ERROR: "rule-error", WARNING: "rule-warning"}.get(self.level, "")


def _error_level(congress: Congress) -> str:
    return OVERRIDDEN if congress.override_reason else ERROR


def _level_label(level: str) -> str:
    return str(Level(level).label)


def problem_message(
    code: str,
    congress: Congress,
    conflicting: Congress | None = None,
    window: LevelWindow | None = None,
) -> str:
    """The message of a rule breach (also for the stored problems)."""
    c = congress
    if code == BELOW_NOT_OVER:
        return _(
            "The congress of %(organization)s (%(dates)s) must come after "
            "the congresses of the organizations below it, but %(other)s "
            "holds its congress on %(other_dates)s."
        ) % {
            "organization": c.organization,
            "dates": congress_dates(c),
            "other": conflicting.organization,
            "other_dates": congress_dates(conflicting),
        }
    if code == AFTER_DEADLINE:
        return _(
            "The congress of %(organization)s ends on %(end)s, "
            "after the deadline of its level (%(level)s): "
            "%(deadline)s."
        ) % {
            "organization": c.organization,
            "end": fmt(c.ends_on),
            "level": _level_label(window.level),
            "deadline": fmt(window.deadline),
        }
    if code == TOO_LONG:
        return _(
            "The congress of %(organization)s lasts %(days)s days; "
            "its level (%(level)s) allows at most %(max)s."
        ) % {
            "organization": c.organization,
            "days": c.days,
            "level": _level_label(window.level),
            "max": window.max_days,
        }
    if code == BEFORE_MODEL:
        return _(
            "The congress of %(organization)s (%(dates)s) is not "
            "after the model congress of %(other)s (%(other_dates)s)."
        ) % {
            "organization": c.organization,
            "dates": congress_dates(c),
            "other": conflicting.organization,
            "other_dates": congress_dates(conflicting),
        }
    raise ValueError(code)


def make_problem(
    level: str,
    code: str,
    congress: Congress,
    conflicting: Congress | None = None,
    windows: dict[str, LevelWindow] | None = None,
) -> Problem:
    window = (windows or {}).get(congress.organization.level)
    return Problem(
        level,
        code,
        problem_message(code, congress, conflicting, window),
        congress.organization,
        congress,
        conflicting,
    )


def _rule_problems(
    congresses: list[Congress],
    windows: dict[str, LevelWindow],
    focus: Congress | None = None,
) -> list[Problem]:
    """Every rule breach among ``congresses`` (all live, one term).

    Works on the list in memory: the congresses below an organization are
    found from the materialized paths, not by a query per congress. With a
    ``focus``, only the problems of that congress and those it causes to the
    congresses above and beside it are returned.
    """
    problems: list[Problem] = []
    by_path: dict[str, list[Congress]] = defaultdict(list)
    for c in congresses:
        by_path[c.organization.path].append(c)

    # Lower levels first: the latest-ending congress below each organization.
    latest_below: dict[str, Congress] = {}
    for d in congresses:
        for p in d.organization.ancestor_paths():
            best = latest_below.get(p)
            if best is None or d.ends_on > best.ends_on:
                latest_below[p] = d

    def below_problem(c: Congress, d: Congress) -> Problem:
        return make_problem(_error_level(c), BELOW_NOT_OVER, c, d)

    targets = [focus] if focus is not None else congresses
    for c in targets:
        d = latest_below.get(c.organization.path)
        if d is not None and d.ends_on >= c.starts_on:
            problems.append(below_problem(c, d))
        window = windows.get(c.organization.level)
        if window is not None:
            if c.ends_on > window.deadline:
                problems.append(
                    make_problem(_error_level(c), AFTER_DEADLINE, c, None, windows)
                )
            if c.days > window.max_days:
                problems.append(
                    make_problem(_error_level(c), TOO_LONG, c, None, windows)
                )
    if focus is not None:
        # The congresses above the focus that it would put out of order.
        for p in focus.organization.ancestor_paths():
            for a in by_path.get(p, []):
                if focus.ends_on >= a.starts_on:
                    problems.append(below_problem(a, focus))

    # Model congresses first among siblings.
    siblings: dict[str, list[Congress]] = defaultdict(list)
    for c in congresses:
        siblings[c.organization.parent_path].append(c)
    for group in siblings.values():
        models = [c for c in group if c.is_model]
        if not models:
            continue
        for c in group:
            if c.is_model:
                continue
            late_models = [m for m in models if c.starts_on <= m.ends_on]
            if not late_models:
                continue
            m = max(late_models, key=lambda m: m.ends_on)
            if focus is not None and focus not in (c, *late_models):
                continue
            if focus is not None and focus.is_model and focus in late_models:
                m = focus
            problems.append(make_problem(WARNING, BEFORE_MODEL, c, m))
    return problems


def _unscheduled_problems(
    user: Any, term: Term, windows: dict[str, LevelWindow], today: date
) -> list[Problem]:
    """Organizations with no congress when their deadline is 30 days away."""
    levels = [
        level
        for level, window in windows.items()
        if today >= window.deadline - timedelta(days=UNSCHEDULED_WARNING_DAYS)
    ]
    kinds = [k for level in levels for k in kinds_of_level(level)]
    if not kinds:
        return []
    has_congress = Congress.objects.live().filter(
        term=term, organization=OuterRef("pk")
    )
    organizations = (
        Organization.objects.visible_to(user)
        .active()
        .filter(kind__in=kinds)
        .exclude(Exists(has_congress))
        .order_by("path")
    )
    problems = []
    for o in organizations:
        window = windows[o.level]
        problems.append(
            Problem(
                WARNING,
                NOT_SCHEDULED,
                _(
                    "%(organization)s has no congress scheduled; its level "
                    "(%(level)s) must hold congresses by %(deadline)s."
                )
                % {
                    "organization": o,
                    "level": _level_label(window.level),
                    "deadline": fmt(window.deadline),
                },
                o,
            )
        )
    return problems


def _context_congresses(term: Term, paths: Q) -> list[Congress]:
    return list(
        Congress.objects.live()
        .filter(term=term)
        .filter(paths)
        .select_related("organization")
        .order_by("starts_on", "id")
    )


def schedule_problems(
    *,
    term: Term,
    user: Any = None,
    candidate: Congress | None = None,
    today: date | None = None,
    include_unscheduled: bool = True,
) -> list[Problem]:
    """The schedule rules, for a user's scope or for one congress.

    Errors: a congress that is not after the congresses of all the
    organizations below it; one that ends after its level's deadline; one
    longer than its level allows. Warnings: a non-model congress that is not
    after the model congress(es) among its siblings; an active organization
    with no congress when its level's deadline is 30 days away or less. An
    error an administrator accepted with a reason is reported as
    ``overridden``.

    With ``user``: every problem in the user's scope (a constant number of
    queries). With ``candidate`` (a congress as it would be saved, saved or
    not): its own problems and those it would cause above and beside it;
    this is what the services check before saving.
    """
    today = today or timezone.localdate()
    windows = windows_of(term)
    if candidate is not None:
        org = candidate.organization
        paths = (
            Q(organization__path__startswith=org.path)
            | Q(organization__path__in=org.ancestor_paths())
            | Q(organization__depth=org.depth)
            & Q(organization__path__startswith=org.parent_path)
        )
        if candidate.status == CongressStatus.CANCELLED:
            return []
        congresses = [
            c for c in _context_congresses(term, paths) if c.pk != candidate.pk
        ]
        congresses.append(candidate)
        return _rule_problems(congresses, windows, focus=candidate)

    prefix = scope_path(user)
    if prefix is None:
        return []
    if prefix == "":
        paths = Q()
    else:
        root = user.scope
        # The scope and the siblings of its top (for model congresses).
        paths = Q(organization__path__startswith=prefix) | (
            Q(organization__depth=root.depth)
            & Q(organization__path__startswith=root.parent_path)
        )
    congresses = _context_congresses(term, paths)
    problems = [
        p
        for p in _rule_problems(congresses, windows)
        if p.organization.path.startswith(prefix)
    ]
    if include_unscheduled:
        problems += _unscheduled_problems(user, term, windows, today)
    order = {ERROR: 0, OVERRIDDEN: 1, WARNING: 2}
    problems.sort(key=lambda p: (order[p.level], p.organization.path))
    return problems


def problems_by_congress(problems: Iterable[Problem]) -> dict[int, list[Problem]]:
    result: dict[int, list[Problem]] = defaultdict(list)
    for p in problems:
        if p.congress is not None and p.congress.pk:
            result[p.congress.pk].append(p)
    return dict(result)


def worst_class(problems: Iterable[Problem]) -> str:
    levels = {p.level for p in problems}
    if ERROR in levels:
        return "rule-error"
    if WARNING in levels:
        return "rule-warning"
    return ""


# ---------------------------------------------------------------- schedule list

CONGRESS_SORTS = {
    "date": ("starts_on", "organization__path", "id"),
    "-date": ("-starts_on", "organization__path", "-id"),
    "organization": ("organization__search_key", "id"),
    "-organization": ("-organization__search_key", "-id"),
    "status": ("status", "starts_on", "id"),
    "-status": ("-status", "starts_on", "id"),
    "overdue": ("-overdue_count", "starts_on", "id"),
    "-overdue": ("overdue_count", "starts_on", "id"),
}


def _overdue_q(today: date) -> Q:
    return Q(milestones__done_at__isnull=True, milestones__due_on__lt=today)


def congress_list(
    user: Any,
    *,
    term: Term | None,
    level: str = "",
    status: str = "",
    month: str = "",
    overdue: bool = False,
    sort: str = "date",
    today: date | None = None,
) -> QuerySet[Congress]:
    """The schedule of the user's scope with milestone counts, one query."""
    today = today or timezone.localdate()
    qs = Congress.objects.visible_to(user).select_related("organization", "term")
    if term is not None:
        qs = qs.filter(term=term)
    if level in Level.values:
        qs = qs.filter(organization__kind__in=kinds_of_level(level))
    if status in CongressStatus.values:
        qs = qs.filter(status=status)
    first_day = parse_month(month)
    if first_day is not None:
        last_day = first_day.replace(
            day=calendar.monthrange(first_day.year, first_day.month)[1]
        )
        qs = qs.filter(starts_on__lte=last_day, ends_on__gte=first_day)
    if overdue:
        qs = qs.filter(
            Exists(
                Milestone.objects.filter(
                    congress=OuterRef("pk"), done_at__isnull=True, due_on__lt=today
                )
            )
        ).exclude(status=CongressStatus.CANCELLED)
    # Correlated counts rather than a join and GROUP BY: the database counts
    # the milestones of the page's congresses only (and not at all for the
    # paginator's count), unless the list is sorted by them.
    milestones = Milestone.objects.filter(congress=OuterRef("pk"))
    qs = qs.annotate(
        milestone_count=_count(milestones),
        open_count=_count(milestones.filter(done_at__isnull=True)),
        overdue_count=_count(milestones.filter(done_at__isnull=True, due_on__lt=today)),
    )
    return qs.order_by(*CONGRESS_SORTS.get(sort, CONGRESS_SORTS["date"]))


def _count(queryset: QuerySet) -> Coalesce:
    """Annotation: the number of rows of a correlated queryset (0 for none)."""
    counted = queryset.order_by().values(dummy=Value(1)).annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)


def parse_month(value: str) -> date | None:
    """ "2025-05" -> 1 May 2025; anything else -> None."""
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


def schedule_months(user: Any, term: Term | None) -> list[date]:
    """First days of the months from the scope's first congress to its last
    (one query: the first and last dates, read from the term's date index,
    not every congress of a nation)."""
    qs = Congress.objects.visible_to(user)
    if term is not None:
        qs = qs.filter(term=term)
    span = qs.aggregate(first=Min("starts_on"), last=Max("starts_on"))
    if span["first"] is None:
        return []
    months = []
    month = span["first"].replace(day=1)
    while month <= span["last"]:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


# ---------------------------------------------------------------- timeline


@dataclass
class TimelineLevel:
    level: str
    label: str
    cells: list[list[Congress]] = field(default_factory=list)
    #: for a large scope, a count per month instead of the congresses
    summaries: list[TimelineCell | None] = field(default_factory=list)


@dataclass
class TimelineCell:
    """A month of a level in a large scope: counts, and a link to the list."""

    level: str
    month: date
    congresses: int = 0
    held: int = 0
    models: int = 0
    errors: int = 0
    warnings: int = 0

    @property
    def rule_class(self) -> str:
        if self.errors:
            return "rule-error"
        return "rule-warning" if self.warnings else ""


@dataclass
class Timeline:
    months: list[date]
    levels: list[TimelineLevel]
    problems: dict[int, list[Problem]]
    #: True when the cells are counts (a scope with many congresses)
    summary: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.months


#: A scope with more live congresses than this gets a timeline of counts per
#: month and level (each linking to the schedule of that month and level)
#: instead of one entry per congress: a province has thousands.
TIMELINE_ITEMS_LIMIT = 300


def timeline(user: Any, *, term: Term, today: date | None = None) -> Timeline:
    """The scope's live congresses by month (columns) and level (rows, lower
    levels first), each with the rule problems that concern it; for a large
    scope, counts per month and level (``timeline_summary``)."""
    live = Congress.objects.visible_to(user).live().filter(term=term)
    if live.count() > TIMELINE_ITEMS_LIMIT:
        return timeline_summary(user, term=term)
    return _timeline_items(user, term=term, today=today)


def timeline_summary(user: Any, *, term: Term) -> Timeline:
    """Counts per level and month (congresses, held, model, with errors or
    warnings, the latter from the stored problems): two aggregate queries,
    whatever the number of congresses."""
    from .models import ScheduleProblem

    cells: dict[tuple[str, date], TimelineCell] = {}

    def cell(kind: str, month: Any) -> TimelineCell:
        month = month.date() if hasattr(month, "date") else month
        level = LEVEL_OF_KIND[kind]
        key = (level, month)
        if key not in cells:
            cells[key] = TimelineCell(level, month)
        return cells[key]

    held = (CongressStatus.HELD, CongressStatus.RESULTS_APPROVED)
    rows = (
        Congress.objects.visible_to(user)
        .live()
        .filter(term=term)
        .annotate(month=TruncMonth("starts_on"))
        .values_list("organization__kind", "month")
        .annotate(
            n=Count("id"),
            held=Count("id", filter=Q(status__in=held)),
            models=Count("id", filter=Q(is_model=True)),
        )
        .order_by()
    )
    for kind, month, n, held_n, models_n in rows:
        c = cell(kind, month)
        c.congresses += n
        c.held += held_n
        c.models += models_n
    problem_rows = (
        ScheduleProblem.objects.visible_to(user)
        .filter(term=term, congress__status__in=LIVE_STATUSES)
        .annotate(month=TruncMonth("congress__starts_on"))
        .values_list("congress__organization__kind", "month", "rank")
        .annotate(n=Count("congress_id", distinct=True))
        .order_by()
    )
    for kind, month, rank, n in problem_rows:
        c = cell(kind, month)
        if rank == 0:
            c.errors += n
        elif rank == 2:
            c.warnings += n
    months = sorted({month for _level, month in cells})
    levels = []
    for level in LEVEL_ORDER:
        row = TimelineLevel(level, str(Level(level).label))
        row.cells = [[] for _m in months]
        row.summaries = [cells.get((level, m)) for m in months]
        levels.append(row)
    return Timeline(months, levels, {}, summary=True)


def _timeline_items(user: Any, *, term: Term, today: date | None = None) -> Timeline:
    """The scope's live congresses by month (columns) and level (rows, lower
    levels first), each with the rule problems that concern it."""
    congresses = list(
        Congress.objects.visible_to(user)
        .live()
        .filter(term=term)
        .select_related("organization")
        .order_by("starts_on", "organization__path")
    )
    problems = problems_by_congress(
        schedule_problems(term=term, user=user, today=today, include_unscheduled=False)
    )
    months = sorted({c.starts_on.replace(day=1) for c in congresses})
    column = {m: i for i, m in enumerate(months)}
    levels = []
    for level in LEVEL_ORDER:
        row = TimelineLevel(level, str(Level(level).label), [[] for _m in months])
        for c in congresses:
            if c.organization.level == level:
                row.cells[column[c.starts_on.replace(day=1)]].append(c)
        levels.append(row)
    for c in congresses:
        c.problems = problems.get(c.pk, [])
        c.rule_class = worst_class(c.problems)
    return Timeline(months, levels, problems)


# ---------------------------------------------------------------- congress page


def congress_for_page(user: Any, pk: int) -> Congress:
    """A congress with what its page shows, or DoesNotExist."""
    return (
        Congress.objects.visible_to(user)
        .select_related("organization", "term", "override_by")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.select_related("owner", "done_by").order_by(
                    "due_on", "id"
                ),
            )
        )
        .get(pk=pk)
    )


def milestone_for_user(user: Any, pk: int) -> Milestone:
    """A milestone the user may see, with its congress, or DoesNotExist."""
    return (
        Milestone.objects.visible_to(user)
        .select_related("congress__organization", "owner", "done_by")
        .get(pk=pk)
    )


def congress_history(congress: Congress) -> list[dict[str, Any]]:
    """Changes to the congress and its milestones, newest first: a constant
    number of queries, whatever the number of milestones and changes."""
    congress_rows = list(
        congress.history.select_related("history_user").order_by(
            "-history_date", "-history_id"
        )
    )
    entries = [
        {**entry, "subject": str(congress)} for entry in diff_rows(congress_rows)
    ]
    by_milestone: dict[int, list[Any]] = defaultdict(list)
    for row in (
        Milestone.history.filter(congress_id=congress.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    ):
        by_milestone[row.id].append(row)
    # One diff_rows call for all milestones (it reads the objects that
    # changes name with one query per model): the rows of each milestone
    # follow each other, newest first, and the oldest row of each, compared
    # with the next milestone's, is a creation that shows no changes.
    rows: list[Any] = []
    oldest: set[int] = set()
    for group in by_milestone.values():
        rows += group
        oldest.add(len(rows) - 1)
    for i, entry in enumerate(diff_rows(rows)):
        if i in oldest:
            entry["changes"] = []
        entries.append({**entry, "subject": rows[i].title})
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


def new_committee(congress: Congress) -> QuerySet[Position]:
    """Positions of the congress's organization for the congress's term."""
    return (
        Position.objects.filter(organization=congress.organization, term=congress.term)
        .select_related("member")
        .order_by("body", "rank", "member__search_key")
    )


def candidate_members(organization: Organization) -> QuerySet[Member]:
    """Members a results form may offer: active, in the organization's subtree."""
    return (
        Member.objects.active()
        .filter(organization__path__startswith=organization.path)
        .order_by("search_key", "id")
    )


def congress_choices(user: Any) -> QuerySet[Organization]:
    """Organizations for which the user may schedule a congress."""
    return (
        Organization.objects.visible_to(user)
        .active()
        .filter(kind__in=CONGRESS_KINDS)
        .order_by("path")
    )


# ---------------------------------------------------------------- calendar


def feed_for_token(token: str) -> CalendarFeed | None:
    if not token:
        return None
    feed = (
        CalendarFeed.objects.select_related("user__scope").filter(token=token).first()
    )
    if feed is None or scope_path(feed.user) is None:
        return None
    return feed


def calendar_items(user: Any) -> tuple[list[Congress], list[Milestone]]:
    """Live congresses and their milestones in the user's scope: two queries."""
    congresses = list(
        Congress.objects.visible_to(user)
        .live()
        .select_related("organization")
        .order_by("starts_on", "id")
    )
    milestones = list(
        Milestone.objects.visible_to(user)
        .exclude(congress__status=CongressStatus.CANCELLED)
        .select_related("congress__organization", "owner")
        .order_by("due_on", "id")
    )
    return congresses, milestones
