"""The schedule rules' findings, kept for large scopes.

``selectors.schedule_problems`` checks the rules over every congress of a
scope in Python: a few milliseconds for a district, seconds for a nation of
100,000 congresses. The rules report and the timeline read the findings
from ``ScheduleProblem`` rows instead, which this module keeps:

- a province at a time (the rules relate an organization to those below it
  and to its siblings, all inside one province; the provinces' own
  congresses are siblings of one another, so a change to one of those
  refreshes every province);
- after the transaction that changed a congress (saved or deleted through
  whatever path), a level window, or the tree (``organizations_restructured``)
  commits;
- and every night in full (``tasks.refresh_schedule_problems``), in case a
  change went around all of these (a raw SQL update).

The forms and services never read these rows: they check the congress at
hand live (``schedule_problems(candidate=…)``). "No congress scheduled"
warnings depend on today, so the report finds them live (one query).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from committees.models import Organization, Term
from committees.signals import organizations_restructured
from portal.access import scope_path

from . import selectors
from .models import Congress, LevelWindow, ScheduleProblem, TermPlan

logger = logging.getLogger(__name__)

RANK = {selectors.ERROR: 0, selectors.OVERRIDDEN: 1, selectors.WARNING: 2}
STEP = Organization.steplen


def _root(path: str) -> str:
    return path[:STEP]


def refresh(term: Term, roots: Iterable[str] | None = None) -> int:
    """Recompute the stored problems of ``term`` in the provinces whose root
    paths are given (all of them when None); returns the rows written."""
    windows = selectors.windows_of(term)
    if roots is None:
        roots = list(
            Organization.objects.filter(depth=1).values_list("path", flat=True)
        )
    written = 0
    for root in sorted(set(roots)):
        with transaction.atomic():
            # The province and the provinces' own congresses (its siblings).
            congresses = selectors._context_congresses(
                term,
                Q(organization__path__startswith=root) | Q(organization__depth=1),
            )
            problems = [
                p
                for p in selectors._rule_problems(congresses, windows)
                if p.congress is not None and p.organization.path.startswith(root)
            ]
            ScheduleProblem.objects.filter(
                term=term, congress__organization__path__startswith=root
            ).delete()
            ScheduleProblem.objects.bulk_create(
                [
                    ScheduleProblem(
                        term=term,
                        congress=p.congress,
                        rank=RANK[p.level],
                        level=p.level,
                        code=p.code,
                        conflicting=p.conflicting,
                    )
                    for p in problems
                ],
                batch_size=2_000,
            )
            written += len(problems)
    return written


def refresh_all() -> int:
    """Every term that has a plan, every province."""
    return sum(refresh(plan.term) for plan in TermPlan.objects.select_related("term"))


# ---------------------------------------------------------------- reads


def stored_problems(user: Any, term: Term) -> Any:
    """The stored problems of the scope, errors first, by organization."""
    return (
        ScheduleProblem.objects.visible_to(user)
        .filter(term=term)
        .select_related(
            "congress__organization",
            "congress__override_by",
            "conflicting__organization",
        )
        .order_by("rank", "congress__organization__path", "code", "id")
    )


def counts(user: Any, term: Term) -> dict[str, int]:
    levels = (selectors.ERROR, selectors.OVERRIDDEN, selectors.WARNING)
    found = dict.fromkeys(levels, 0)
    rows = (
        ScheduleProblem.objects.visible_to(user)
        .filter(term=term)
        .values_list("level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for level, n in rows:
        found[level] = n
    return found


def as_problem(row: ScheduleProblem, windows: dict) -> selectors.Problem:
    return selectors.make_problem(
        row.level, row.code, row.congress, row.conflicting, windows
    )


#: Scopes with at most this many live congresses of the term are checked
#: live (exact to the second, a few milliseconds); larger ones read the
#: stored problems.
LIVE_LIMIT = 1_000


@dataclass
class Report:
    """A page of the rules report."""

    problems: list[selectors.Problem]
    counts: dict[str, int]
    total: int
    number: int


def report_page(
    user: Any, term: Term, *, page: int, per_page: int, today: Any = None
) -> Report:
    """A page of the scope's problems, errors first, then accepted errors,
    then warnings, by organization. A small scope is checked live; a large
    one reads the stored problems and finds the organizations with no
    congress scheduled near their deadline now: constant queries."""
    today = today or timezone.localdate()
    live = Congress.objects.visible_to(user).live().filter(term=term).count()
    if live <= LIVE_LIMIT:
        problems = selectors.schedule_problems(term=term, user=user, today=today)
        found = {
            level: sum(1 for p in problems if p.level == level)
            for level in (selectors.ERROR, selectors.OVERRIDDEN, selectors.WARNING)
        }
        number = _clamp(page, len(problems), per_page)
        start = (number - 1) * per_page
        return Report(problems[start : start + per_page], found, len(problems), number)
    windows = selectors.windows_of(term)
    found = counts(user, term)
    stored_total = sum(found.values())
    unscheduled: list[selectors.Problem] = []
    if scope_path(user) is not None:
        unscheduled = selectors._unscheduled_problems(user, term, windows, today)
    found[selectors.WARNING] += len(unscheduled)
    total = stored_total + len(unscheduled)
    number = _clamp(page, total, per_page)
    start = (number - 1) * per_page
    rows = stored_problems(user, term)[start : start + per_page]
    problems = [as_problem(row, windows) for row in rows]
    if len(problems) < per_page:
        offset = max(0, start - stored_total)
        problems += unscheduled[offset : offset + per_page - len(problems)]
    return Report(problems, found, total, number)


def _clamp(page: int, total: int, per_page: int) -> int:
    last = max(1, -(-total // per_page))
    return min(max(1, page), last)


# ---------------------------------------------------------------- keeping them


class _Pending(threading.local):
    def __init__(self) -> None:
        self.roots: dict[int, set[str] | None] = {}


_pending = _Pending()


def schedule_refresh(term_id: int, root: str | None) -> None:
    """Refresh a province (None: all) of a term once the transaction
    commits; several changes in one transaction give one refresh."""
    first = not _pending.roots
    if term_id in _pending.roots and _pending.roots[term_id] is None:
        pass
    elif root is None:
        _pending.roots[term_id] = None
    else:
        _pending.roots.setdefault(term_id, set()).add(root)
    if first:
        transaction.on_commit(_run_pending)


def _run_pending() -> None:
    """A province now; every province (seconds for a nation) in a worker."""
    from .tasks import refresh_schedule_problems

    pending, _pending.roots = _pending.roots, {}
    for term_id, roots in pending.items():
        try:
            if roots is None:
                refresh_schedule_problems.delay(term_id)
                continue
            term = Term.objects.filter(pk=term_id).first()
            if term is not None:
                refresh(term, roots)
        except Exception:  # the broker is down or a bug: the nightly run repairs
            logger.exception("Refreshing the schedule problems of %s failed", term_id)


@receiver(post_save, sender=Congress, dispatch_uid="problems_congress_saved")
@receiver(post_delete, sender=Congress, dispatch_uid="problems_congress_deleted")
def _congress_changed(sender: Any, instance: Congress, **kwargs: Any) -> None:
    path = (
        Organization.objects.filter(pk=instance.organization_id)
        .values_list("path", flat=True)
        .first()
    )
    if path is None:
        return
    # A province's own congress is a sibling of the other provinces'.
    schedule_refresh(instance.term_id, None if len(path) <= STEP else _root(path))


@receiver(post_save, sender=LevelWindow, dispatch_uid="problems_window_saved")
@receiver(post_delete, sender=LevelWindow, dispatch_uid="problems_window_deleted")
def _window_changed(sender: Any, instance: LevelWindow, **kwargs: Any) -> None:
    term_id = (
        TermPlan.objects.filter(pk=instance.plan_id)
        .values_list("term_id", flat=True)
        .first()
    )
    if term_id is not None:
        schedule_refresh(term_id, None)


@receiver(organizations_restructured, dispatch_uid="problems_restructured")
def _restructured(sender: Any = None, **kwargs: Any) -> dict:
    touched: set[int] = set()
    for key in ("ended", "moved"):
        touched |= {o.pk for o in kwargs.get(key) or ()}
    touched |= {o.pk for o in (kwargs.get("successors") or {}).values() if o}
    if not touched:
        return {}
    # Where the moved ones came from is no longer known: every province.
    for term_id in TermPlan.objects.values_list("term_id", flat=True):
        schedule_refresh(term_id, None)
    return {}
