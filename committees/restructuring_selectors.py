"""Selectors: the tree as of a date, lineage and restructurings.

**The tree as of a date** is read from ``OrganizationVersion`` (see
``committees.timeline``), never from the treebeard paths, which are
today's. It costs a constant number of queries whatever the size: one for
every version valid on the date inside the scope, one for the member
counts, assembled into a tree in Python.

**Scope rule**: a user sees, as they stood on the date, the organizations
they may see today (their scope organization's subtree by today's paths).
A merged organization rests under its successor, so the staff of the new
province see both former provinces as they were; a dissolved one stays
under its parent. Organizations that moved out of the user's subtree since
the date are not shown (their staff see them). An organization whose parent
on the date is not visible is shown at the top.

**Member counts as of a date** count members active on that day (admitted
on or before it; probationary or official now, or their status changed
after it) in the organization they belonged to on that day: the closed
``MemberPlacement`` covering the day, else their organization of today.
Approximations: interruptions of party activity are not subtracted;
placements before the portal recorded them are taken to be today's
organization since admission (the data migration's assumption).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import scope_path

from . import signals
from .models import (
    DatedTallyDay,
    MemberStatus,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    OrganizationVersion,
    Position,
    Rating,
    Restructuring,
    RestructuringOrganization,
)

# ---------------------------------------------------------------- dated tree


@dataclass
class DatedNode:
    """An organization as it stood on a date."""

    pk: int
    code: str
    name: str
    kind: str
    status: str
    parent_id: int | None
    day: date
    own_members: int = 0
    member_count: int = 0
    depth: int = 1
    children: list[DatedNode] = field(default_factory=list)
    #: whether it had organizations below it on the day (shown or not)
    has_children: bool = False
    path: str = ""

    @property
    def is_active(self) -> bool:
        return self.status == OrganizationStatus.ACTIVE

    def get_kind_display(self) -> str:
        return str(OrganizationKind(self.kind).label)

    def get_status_display(self) -> str:
        return str(OrganizationStatus(self.status).label)

    def get_absolute_url(self) -> str:
        url = reverse("committees:organization_detail", args=[self.pk])
        return f"{url}?on={self.day.isoformat()}"


@dataclass
class DatedTree:
    day: date
    roots: list[DatedNode]
    nodes: dict[int, DatedNode]
    #: whether the roots come open, with their children
    expanded: bool = True

    @property
    def total_members(self) -> int:
        return sum(root.member_count for root in self.roots)

    def chain(self, pk: int) -> list[DatedNode]:
        """The node's ancestors on the date, root first (the node excluded)."""
        chain: list[DatedNode] = []
        node = self.nodes.get(pk)
        while node is not None and node.parent_id in self.nodes:
            node = self.nodes[node.parent_id]
            chain.append(node)
        return list(reversed(chain))


_ACTIVE_PARAMS = {
    "probationary": MemberStatus.PROBATIONARY.value,
    "official": MemberStatus.OFFICIAL.value,
}

#: Active members on a day per organization, as today's tallies corrected by
#: the few members whose day differs from today's: admitted after the day,
#: status changed after it, or placed elsewhere over it (a closed placement
#: ending after it). Everyone else was active on the day exactly when they
#: are active today, in the organization they are in today, so the tallies
#: (kept by triggers) already count them. The cost grows with the changes
#: since the day, not with the members (5.6 million at the nation's scale).
#:
#: Inside a scope (``SCOPED_COUNTED``) the changed members are found per
#: organization of the scope through (organization, date) indexes, then read
#: once each. A member moved into the scope after the day is found by the
#: placement that started there after it (placements follow the member's
#: organization: ``committees.timeline``).
#:
#: For the whole portal (``COUNTED_ANYWHERE``) each kind of change is one
#: range of a date index that carries the columns it needs (migration 0014),
#: so that the 170,000 members changed since a day two years back at the
#: nation's scale are read from the indexes alone, not from the table:
#: admitted after the day and active now (not there yet: -1), inactive now
#: but changed after the day (still there: +1), and counted on the day in
#: the organization of a closed placement covering it (+1 there, -1 in
#: today's). Only the last reads the members, by key.
#:
#: Both end in ``counted(organization_id, n)``: rows to add up per
#: organization.
SCOPED_COUNTED = """
    scoped AS (
        SELECT id FROM committees_organization WHERE {scope}
    ),
    changed AS MATERIALIZED (
        SELECT m.id, m.organization_id, m.status, m.admitted_on, m.status_changed_on
        FROM committees_member m WHERE m.id IN (
            SELECT m.id FROM committees_member m
            JOIN scoped s ON s.id = m.organization_id
            WHERE m.admitted_on > %(day)s
            UNION
            SELECT m.id FROM committees_member m
            JOIN scoped s ON s.id = m.organization_id
            WHERE m.status_changed_on > %(day)s
            UNION
            SELECT p.member_id FROM committees_memberplacement p
            JOIN scoped s ON s.id = p.organization_id
            WHERE p.valid_to > %(day)s
            UNION
            SELECT p.member_id FROM committees_memberplacement p
            JOIN scoped s ON s.id = p.organization_id
            WHERE p.valid_from > %(day)s
        )
    ),
    counted AS (
        SELECT t.organization_id, t.probationary + t.official AS n
        FROM committees_membertally t JOIN scoped s ON s.id = t.organization_id
        UNION ALL
        SELECT c.organization_id, -1 FROM changed c
        WHERE c.status IN (%(probationary)s, %(official)s)
        UNION ALL
        SELECT COALESCE(p.organization_id, c.organization_id), 1 FROM changed c
        LEFT JOIN committees_memberplacement p ON p.member_id = c.id
            AND p.valid_from <= %(day)s AND p.valid_to > %(day)s
        WHERE c.admitted_on <= %(day)s AND (
            c.status IN (%(probationary)s, %(official)s)
            OR c.status_changed_on > %(day)s
        )
    )"""

COUNTED_ANYWHERE = """
    moved AS MATERIALIZED (
        SELECT p.organization_id AS was, m.organization_id AS now
        FROM committees_memberplacement p
        JOIN committees_member m ON m.id = p.member_id
        WHERE p.valid_to > %(day)s AND p.valid_from <= %(day)s
            AND p.organization_id <> m.organization_id
            AND m.admitted_on <= %(day)s AND (
                m.status IN (%(probationary)s, %(official)s)
                OR m.status_changed_on > %(day)s
            )
    ),
    counted AS (
        SELECT t.organization_id, t.probationary + t.official AS n
        FROM committees_membertally t
        UNION ALL
        SELECT m.organization_id, -1 FROM committees_member m
        WHERE m.admitted_on > %(day)s AND m.status IN (%(probationary)s, %(official)s)
        UNION ALL
        SELECT m.organization_id, 1 FROM committees_member m
        WHERE m.status_changed_on > %(day)s AND m.admitted_on <= %(day)s
            AND m.status NOT IN (%(probationary)s, %(official)s)
        UNION ALL
        SELECT was, 1 FROM moved
        UNION ALL
        SELECT now, -1 FROM moved
    )"""

#: The same rows from the nearest anchor day instead of from today
#: (``committees.dated_tallies``): the anchor's own counts, corrected by the
#: members whose count can differ between the anchor and the day: admitted,
#: status changed, or a closed placement begun or ended between the two
#: (``%(lo)s`` excluded, ``%(hi)s`` included). Each of them is taken out as
#: counted on the anchor and put back as counted on the day. The cost grows
#: with the changes between the two days (a fortnight at most), not with
#: those since the day.
COUNTED_FROM_ANCHOR = """
    between_days AS MATERIALIZED (
        SELECT m.id, m.organization_id, m.status, m.admitted_on, m.status_changed_on
        FROM committees_member m WHERE m.id IN (
            SELECT id FROM committees_member
            WHERE admitted_on > %(lo)s AND admitted_on <= %(hi)s
            UNION
            SELECT id FROM committees_member
            WHERE status_changed_on > %(lo)s AND status_changed_on <= %(hi)s
            UNION
            SELECT member_id FROM committees_memberplacement
            WHERE valid_to > %(lo)s AND valid_to <= %(hi)s
            UNION
            SELECT member_id FROM committees_memberplacement
            WHERE valid_from > %(lo)s AND valid_from <= %(hi)s
                AND valid_to IS NOT NULL
        )
    ),
    counted AS (
        SELECT organization_id, active AS n FROM committees_datedtally
        WHERE day = %(anchor)s
        UNION ALL
        {anchor}
        UNION ALL
        {day}
    )"""

_COUNTED_ON = """
        SELECT COALESCE(p.organization_id, c.organization_id), {sign}
        FROM between_days c
        LEFT JOIN committees_memberplacement p ON p.member_id = c.id
            AND p.valid_from <= %({on})s AND p.valid_to > %({on})s
        WHERE c.admitted_on <= %({on})s AND (
            c.status IN (%(probationary)s, %(official)s)
            OR c.status_changed_on > %({on})s
        )"""
COUNTED_FROM_ANCHOR = COUNTED_FROM_ANCHOR.format(
    anchor=_COUNTED_ON.format(sign=-1, on="anchor"),
    day=_COUNTED_ON.format(sign=1, on="day"),
)

MEMBERS_ON = """
    WITH {counted}
    SELECT c.organization_id AS organization_id, SUM(c.n) AS n FROM counted c
    JOIN committees_organization o ON o.id = c.organization_id
    WHERE o.path LIKE %(prefix)s
    GROUP BY c.organization_id
    HAVING SUM(c.n) <> 0"""


def nearer_than_today(anchors: Iterable[date], day: date, today: date) -> date | None:
    """Of the ``anchors``, the one nearest to ``day``, if it is nearer than
    today (today's tallies are the other starting point)."""
    best = min(anchors, key=lambda anchor: abs(anchor - day), default=None)
    if best is None or abs(best - day) >= abs(today - day):
        return None
    return best


def nearest_anchor(day: date, today: date) -> date | None:
    """The valid anchor day (``DatedTally``) to count ``day`` from, if any:
    one query."""
    anchors = DatedTallyDay.objects.filter(valid=True).values_list("day", flat=True)
    return nearer_than_today(anchors, day, today)


_IN_PREFIX = "path LIKE %(prefix)s"


def _counting(
    day: date, prefix: str, scope: str | None, anchor: date | None = None
) -> tuple[str, dict[str, Any]]:
    """The ``counted`` rows of the organizations that ``scope`` selects (SQL
    on ``committees_organization``; ``None``: all of them, from the valid
    ``anchor`` day if one is given) and their parameters."""
    params = {"prefix": f"{prefix}%", "day": day, **_ACTIVE_PARAMS}
    if scope:
        return SCOPED_COUNTED.format(scope=scope), params
    if anchor is None:
        return COUNTED_ANYWHERE, params
    params.update(anchor=anchor, lo=min(day, anchor), hi=max(day, anchor))
    return COUNTED_FROM_ANCHOR, params


def members_on_sql(
    day: date, *, prefix: str = "", anchor: date | None = None
) -> tuple[str, dict[str, Any]]:
    """The statement of ``members_on`` (columns ``organization_id``, ``n``)
    and its parameters: also what the anchors of ``committees.dated_tallies``
    are counted and checked by (the whole portal, ``prefix`` "")."""
    scope = _IN_PREFIX if prefix else None
    counted, params = _counting(day, prefix, scope, None if prefix else anchor)
    return MEMBERS_ON.format(counted=counted), params


def members_on(
    day: date, prefix: str | None, *, anchor: date | None = None
) -> dict[int, int]:
    """Active members on ``day`` per organization they belonged to then
    (organizations under ``prefix``; none counted are left out): one query.

    A member counts when admitted on or before the day and probationary or
    official now, or their status changed after the day; in the organization
    of the closed ``MemberPlacement`` covering the day, else of today.

    Counted from today's tallies, or for the whole portal (``prefix`` "")
    from a valid ``anchor`` day's (``committees.dated_tallies``).
    """
    if prefix is None:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(*members_on_sql(day, prefix=prefix, anchor=anchor))
        return {organization_id: int(n) for organization_id, n in cursor.fetchall()}


def tree_on(user: Any, day: date, *, active_only: bool = True) -> DatedTree:
    """The whole tree the user may see as it stood on ``day``, with the
    active members of each subtree: two queries, but every organization of
    the scope assembled in Python (106,761 at the nation's scale). The
    pages read only what they show (``dated_top``, ``dated_children``,
    ``dated_organization``); this is the plain definition they are checked
    against."""
    prefix = scope_path(user)
    if prefix is None:
        return DatedTree(day, [], {})
    versions = OrganizationVersion.objects.on(day)
    if active_only:
        versions = versions.filter(status=OrganizationStatus.ACTIVE)
    if prefix:
        versions = versions.filter(organization__path__startswith=prefix)
    rows = versions.values_list(
        "organization_id",
        "organization__code",
        "name",
        "kind",
        "status",
        "parent_id",
        "organization__path",
    )
    nodes = {
        pk: DatedNode(pk, code, name, kind, status, parent_id, day, path=path)
        for pk, code, name, kind, status, parent_id, path in rows
    }
    for pk, count in members_on(day, prefix).items():
        if pk in nodes:
            nodes[pk].own_members = count
    roots: list[DatedNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    seen: set[int] = set()

    def finish(node: DatedNode, depth: int) -> int:
        if node.pk in seen:  # a cycle in bad data: cut it
            return 0
        seen.add(node.pk)
        node.depth = depth
        node.has_children = bool(node.children)
        node.children.sort(key=_by_name)
        node.member_count = node.own_members + sum(
            finish(child, depth + 1) for child in node.children
        )
        return node.member_count

    roots.sort(key=_by_name)
    for root in roots:
        finish(root, 1)
    return DatedTree(day, roots, nodes)


def _by_name(node: DatedNode) -> tuple[str, int]:
    return (node.name, node.pk)


# ------------------------------------------------ what a dated page shows
#
# A page shows a few dozen or hundred organizations of the day (the roots
# and the level below them, or one organization's children), so it reads
# only these, and adds up their subtrees' members in SQL, instead of
# assembling every organization of the day.
#
# **Today's paths hold for most of the tree.** An organization with no
# version starting after the day had on the day the version it has today
# (``OrganizationVersion`` is kept in line with the treebeard tree by every
# service): the same parent and status. The others, *changed* since the day
# (moved, renamed, ended, created), and the organizations not shown at all
# (ended ones, for the tree of active organizations) are few: 3,128 changed
# and 340 ended among 106,761 at the nation's scale. They are read first
# (``_DayShape``), with their version of the day.
#
# So the tree of the day is today's tree cut at the changed organizations,
# each piece hung where its head's version of the day says. Members are
# added up per piece in SQL: every organization goes with its nearest
# ancestor (or itself) among the shown and the changed ones, found by today's
# path; the totals of these few go up the tree of the day in Python.

_CHANGED_ORGANIZATIONS = """
    WITH changed AS (
        SELECT organization_id AS id FROM committees_organizationversion
        WHERE valid_from > %(day)s
        {ended}
    )
    SELECT o.id, o.path, o.code, o.numchild,
        v.id, v.parent_id, pp.path, v.name, v.kind, v.status
    FROM changed c JOIN committees_organization o ON o.id = c.id
    LEFT JOIN committees_organizationversion v ON v.organization_id = o.id
        AND v.valid_from <= %(day)s AND (v.valid_to IS NULL OR v.valid_to > %(day)s)
    LEFT JOIN committees_organization pp ON pp.id = v.parent_id
    {within}"""

_ENDED = """
        UNION
        SELECT id FROM committees_organization WHERE status <> %(active)s"""


@dataclass
class _Changed:
    """An organization changed since the day, or not shown on it."""

    pk: int
    path: str
    code: str
    numchild: int
    shown: bool
    parent_id: int | None = None
    parent_path: str | None = None  # of the parent on the day
    name: str = ""
    kind: str = ""
    status: str = ""


class _DayShape:
    """The tree of a day, as today's tree and its changed organizations:
    which organization was shown under which, by path."""

    def __init__(self, prefix: str, day: date, active_only: bool) -> None:
        self.prefix = prefix
        self.day = day
        self.changed: dict[str, _Changed] = {}
        #: today's parent path -> changed organizations below it today
        self.changed_below: dict[str, int] = {}
        #: parent path on the day -> the changed organizations shown under it
        self.attached: dict[str, list[_Changed]] = {}
        sql = _CHANGED_ORGANIZATIONS.format(
            ended=_ENDED if active_only else "",
            # the whole portal: each changed organization read by its key
            within="WHERE o.path LIKE %(prefix)s" if prefix else "",
        )
        params = {
            "day": day,
            "prefix": f"{prefix}%",
            "active": OrganizationStatus.ACTIVE.value,
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for (
            pk,
            path,
            code,
            numchild,
            version,
            parent_id,
            ppath,
            name,
            kind,
            status,
        ) in rows:
            if path in self.changed:  # two versions over the day: bad data
                continue
            shown = version is not None and (
                not active_only or status == OrganizationStatus.ACTIVE
            )
            self.changed[path] = _Changed(
                pk, path, code, numchild, shown, parent_id, ppath, name, kind, status
            )
            parent = path[: -Organization.steplen]
            self.changed_below[parent] = self.changed_below.get(parent, 0) + 1
        for item in self.changed.values():
            if item.shown and item.parent_path is not None:
                self.attached.setdefault(item.parent_path, []).append(item)

    def shown(self, path: str) -> bool:
        """Whether the organization at ``path`` is in the tree of the day."""
        if not path.startswith(self.prefix):
            return False
        item = self.changed.get(path)
        return item is None or item.shown

    def parent(self, path: str) -> str | None:
        """The path of the parent on the day, if it is shown."""
        item = self.changed.get(path)
        if item is not None:
            parent = item.parent_path
        else:
            parent = path[: -Organization.steplen] or None
        return parent if parent is not None and self.shown(parent) else None

    def ancestors(self, path: str) -> list[str]:
        """The ancestors on the day, nearest first (cut at a cycle)."""
        chain: list[str] = []
        seen = {path}
        parent = self.parent(path)
        while parent is not None and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = self.parent(parent)
        return chain

    def has_children(self, path: str, numchild: int) -> bool:
        """Today's children that did not change stayed below it; changed
        ones shown under it on the day are attached to it."""
        return numchild > self.changed_below.get(path, 0) or bool(
            self.attached.get(path)
        )

    def node(self, row: tuple | _Changed) -> DatedNode:
        """A node from a row of ``_unchanged`` or a changed organization."""
        if isinstance(row, _Changed):
            pk, path, code, numchild = row.pk, row.path, row.code, row.numchild
            name, kind, status, parent_id = (
                row.name,
                row.kind,
                row.status,
                row.parent_id,
            )
        else:
            pk, path, code, numchild, name, kind, status, parent_id = row
        node = DatedNode(pk, code, name, kind, status, parent_id, self.day, path=path)
        node.has_children = self.has_children(path, numchild)
        return node

    def unchanged(self, where: Q) -> list[DatedNode]:
        """The organizations that ``where`` selects, as they stood on the
        day, leaving out the changed ones (their version of today was
        theirs on the day): one query."""
        rows = (
            OrganizationVersion.objects.filter(valid_to__isnull=True)
            .filter(where)
            .values_list(
                "organization_id",
                "organization__path",
                "organization__code",
                "organization__numchild",
                "name",
                "kind",
                "status",
                "parent_id",
            )
        )
        return [self.node(row) for row in rows if row[1] not in self.changed]

    def children(self, nodes: list[DatedNode], path: str) -> list[DatedNode]:
        """The children on the day of the node at ``path``: its unchanged
        children of today (among ``nodes``) and the changed ones attached
        to it."""
        below = [
            node
            for node in nodes
            if node.path[: -Organization.steplen] == path
            and node.path not in self.changed
        ]
        below += [self.node(item) for item in self.attached.get(path, [])]
        return sorted(below, key=_by_name)

    def add_members(self, shown: list[DatedNode], below: str | None = None) -> None:
        """Each shown node's ``member_count``: its subtree's members on the
        day (one query).

        Every organization counts with its nearest ancestor-or-self by
        today's path among the shown and the changed ones (its *key*):
        between the two nothing changed, so its chain of the day goes
        through the key; from the key on, the chain of the day is followed
        in Python.
        """
        by_path = {node.path: node for node in shown}
        keys = set(by_path) | set(self.changed)
        within = None
        if below is not None:
            # Only what lay below ``below`` on the day counts: its subtree of
            # today and the changed organizations hung below it from
            # elsewhere (with their subtrees).
            hung = {
                path
                for path, item in self.changed.items()
                if item.shown and below in self.ancestors(path)
            }
            within: set[str] = set()
            root = None
            for path in sorted({below} | hung):  # a subtree right after its root
                if root is None or not path.startswith(root):
                    within.add(path)
                    root = path
        totals = _members_by_key(self.day, self.prefix, keys, within)
        for key, n in totals.items():
            if not n or not self.shown(key):
                continue
            for path in (key, *self.ancestors(key)):
                node = by_path.get(path)
                if node is not None:
                    node.member_count += n


def _members_by_key(
    day: date, prefix: str, keys: set[str], within: set[str] | None = None
) -> dict[str, int]:
    """Active members on ``day`` under ``prefix`` (and under one of the
    paths ``within``, if given), added up per key: each organization's
    nearest ancestor-or-self (by today's path) whose path is one of
    ``keys``; one query."""
    if not keys:
        return {}
    step = Organization.steplen
    by_depth: dict[int, list[str]] = {}
    for key in keys:
        by_depth.setdefault(len(key) // step, []).append(key)
    scope = _IN_PREFIX if prefix else None
    anchor = None
    if within:  # read per organization of these subtrees, as for a scope
        scope = "({})".format(
            " OR ".join(f"path LIKE %(within{i})s" for i in range(len(within)))
        )
    elif not prefix:  # the whole portal: from the nearest anchor day
        anchor = nearest_anchor(day, timezone.localdate())
    counted, params = _counting(day, prefix, scope, anchor)
    if within:
        params.update({f"within{i}": f"{p}%" for i, p in enumerate(sorted(within))})
    cases = []
    for depth in sorted(by_depth, reverse=True):  # the nearest first
        name = f"keys{depth}"
        prefix_of = f"substr(o.path, 1, {depth * step})"
        if connection.vendor == "postgresql":  # a hashed array
            cases.append(f"WHEN {prefix_of} = ANY(%({name})s::text[]) THEN {prefix_of}")
            params[name] = sorted(by_depth[depth])
        else:
            cases.append(
                f"WHEN {prefix_of} IN (SELECT value FROM json_each(%({name})s)) "
                f"THEN {prefix_of}"
            )
            params[name] = json.dumps(sorted(by_depth[depth]))
    # The key of each organization is computed once, before the join (a
    # fence: OFFSET 0), not for each of the counted rows.
    fence = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"
    sql = f"""
        WITH {counted}
        SELECT k.key, SUM(c.n) FROM counted c JOIN (
            SELECT o.id, CASE {" ".join(cases)} END AS key
            FROM committees_organization o WHERE {scope or _IN_PREFIX} {fence}
        ) k ON k.id = c.organization_id
        WHERE k.key IS NOT NULL
        GROUP BY k.key"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {path: int(n) for path, n in cursor.fetchall()}


def dated_top(user: Any, day: date) -> DatedTree:
    """The top of the tree the user sees as it stood on ``day`` (their
    scope, or the provinces), and the level below it when the top is one
    organization, each with the active members of its subtree on the day:
    three queries, whatever the size of the tree. ``nodes`` holds the nodes
    shown only."""
    prefix = scope_path(user)
    if prefix is None:
        return DatedTree(day, [], {})
    shape = _DayShape(prefix, day, active_only=True)
    step = Organization.steplen
    top = len(prefix) // step if prefix else 1
    # Candidates: the top of today's tree and its children; the children of
    # changed organizations shown at the top; the children and grandchildren
    # of organizations not shown whose unchanged children are.
    where = Q(organization__depth__in=[top, top + 1])
    if prefix:
        where &= Q(organization__path__startswith=prefix)
    for path, item in shape.changed.items():
        depth = len(path) // step
        if item.shown and shape.parent(path) is None:
            where |= Q(
                organization__path__startswith=path, organization__depth=depth + 1
            )
        elif not item.shown and item.numchild > shape.changed_below.get(path, 0):
            where |= Q(
                organization__path__startswith=path,
                organization__depth__in=[depth + 1, depth + 2],
            )
    candidates = shape.unchanged(where)
    candidates += [shape.node(item) for item in shape.changed.values() if item.shown]
    roots = sorted(
        (
            node
            for node in candidates
            if shape.shown(node.path) and shape.parent(node.path) is None
        ),
        key=_by_name,
    )
    shown = list(roots)
    # A scope's own organization comes open; many roots (the provinces, for
    # the national root) come closed, each opened on demand: a list of 34
    # provinces, not 850 organizations.
    expanded = len(roots) == 1
    for root in roots if expanded else ():
        root.children = shape.children(candidates, root.path)
        root.has_children = bool(root.children)
        for child in root.children:
            child.depth = 2
        shown += root.children
    shape.add_members(shown)
    return DatedTree(day, roots, {node.pk: node for node in shown}, expanded)


def dated_children(user: Any, day: date, organization: Organization) -> list[DatedNode]:
    """The organizations below one as they stood on ``day``, each with the
    active members of its subtree on the day: three queries."""
    prefix = scope_path(user)
    if prefix is None or not organization.path.startswith(prefix):
        return []
    shape = _DayShape(prefix, day, active_only=True)
    if not shape.shown(organization.path):
        return []
    unchanged = shape.unchanged(
        Q(
            organization__path__startswith=organization.path,
            organization__depth=organization.depth + 1,
        )
    )
    children = shape.children(unchanged, organization.path)
    depth = len(shape.ancestors(organization.path)) + 2
    for child in children:
        child.depth = depth
    shape.add_members(children, below=organization.path)
    return children


def dated_organization(
    user: Any, day: date, organization: Organization
) -> tuple[DatedNode | None, list[DatedNode]]:
    """An organization as it stood on ``day`` (ended ones too), with its
    children of the day, the active members of its subtree and of each
    child's, and its ancestors of the day (root first): four queries at
    most. ``None`` when it did not exist on the day or is not visible."""
    prefix = scope_path(user)
    if prefix is None or not organization.path.startswith(prefix):
        return None, []
    shape = _DayShape(prefix, day, active_only=False)
    path = organization.path
    if not shape.shown(path):
        return None, []
    above = shape.ancestors(path)
    where = Q(
        organization__path__startswith=path,
        organization__depth=organization.depth + 1,
    ) | Q(organization__path__in=[path, *above])
    nodes = {node.path: node for node in shape.unchanged(where)}
    for item in shape.changed.values():
        if item.path == path or item.path in above:
            nodes[item.path] = shape.node(item)
    node = nodes[path]
    node.children = shape.children(list(nodes.values()), path)
    node.depth = len(above) + 1
    for child in node.children:
        child.depth = node.depth + 1
    shape.add_members([node, *node.children], below=path)
    chain = [nodes[p] for p in reversed(above) if p in nodes]
    for depth, ancestor in enumerate(chain, start=1):
        ancestor.depth = depth
    return node, chain


def positions_on(organization: Organization, day: date) -> QuerySet[Position]:
    """The committee of an organization on a date: one query."""
    return (
        Position.objects.current(on=day)
        .filter(organization=organization)
        .select_related("member", "term")
        .order_by("body", "rank", "member__search_key")
    )


# ---------------------------------------------------------------- lineage


@dataclass
class LineageEntry:
    organization: Organization
    counts: list[tuple[str, int]]


def lineage(organization: Organization) -> list[LineageEntry]:
    """The organizations merged into this one, and what each held: a fixed
    number of queries (one per kind of record)."""
    merged = list(
        Organization.objects.filter(merged_into=organization).order_by(
            "-ended_on", "name"
        )
    )
    if not merged:
        return []
    ids = [o.pk for o in merged]

    def grouped(queryset: QuerySet, key: str) -> dict[int, int]:
        return dict(
            queryset.values_list(key).annotate(n=Count("pk", distinct=True)).order_by()
        )

    counters: list[tuple[str, dict[int, int]]] = [
        (
            _("Ratings"),
            grouped(Rating.objects.filter(organization_id__in=ids), "organization_id"),
        ),
        (
            _("Positions"),
            grouped(
                Position.objects.filter(organization_id__in=ids), "organization_id"
            ),
        ),
        *signals.lineage_counts(ids),
    ]
    return [
        LineageEntry(o, [(label, counts.get(o.pk, 0)) for label, counts in counters])
        for o in merged
    ]


# ---------------------------------------------------------------- restructurings


def restructurings_of(organization: Organization) -> QuerySet[Restructuring]:
    """Every restructuring that touched the organization, newest first."""
    return Restructuring.objects.filter(links__organization=organization).distinct()


def _with_links() -> Prefetch:
    return Prefetch(
        "links",
        queryset=RestructuringOrganization.objects.select_related(
            "organization"
        ).order_by("role", "organization__path"),
    )


def restructuring_list(
    user: Any, *, kind: str = "", q: str = ""
) -> QuerySet[Restructuring]:
    qs = (
        Restructuring.objects.visible_to(user)
        .select_related("created_by")
        .prefetch_related(_with_links())
    )
    if kind:
        qs = qs.filter(kind=kind)
    if q.strip():
        q = q.strip()
        qs = qs.filter(Q(decision_number__icontains=q) | Q(reason__icontains=q))
    return qs.order_by("-effective_on", "-id")


def restructuring_for_page(user: Any, pk: int) -> Restructuring:
    """A restructuring with its organizations, or DoesNotExist."""
    return (
        Restructuring.objects.visible_to(user)
        .select_related("created_by")
        .prefetch_related(_with_links())
        .get(pk=pk)
    )


def summary_rows(restructuring: Restructuring) -> list[tuple[str, Any]]:
    """The summary's counts, named for the page."""
    labels = {
        "organizations_moved": _("Organizations moved, with everything below them"),
        "active_members_moved": _("Active party members moved"),
        "member_records_moved": _("Member records that changed organization"),
        "organizations_ended": _("Organizations ended"),
        "positions_ended": _("Open positions ended"),
        "staff_rescoped": _("Staff accounts re-scoped"),
        **signals.summary_labels,
    }
    rows = []
    for key, value in restructuring.summary.items():
        if key == "changes":
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value) or "—"
        rows.append((labels.get(key, key.replace("_", " ")), value))
    return rows
