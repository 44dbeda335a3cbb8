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

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.access import scope_path

from . import signals
from .models import (
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


#: The members who changed since the day, under the path prefix: found per
#: organization of the scope through (organization, date) indexes.
CHANGED_IN_SCOPE = """
        SELECT m.id FROM committees_member m JOIN scoped s ON s.id = m.organization_id
        WHERE m.admitted_on > %(day)s
        UNION
        SELECT m.id FROM committees_member m JOIN scoped s ON s.id = m.organization_id
        WHERE m.status_changed_on > %(day)s
        UNION
        SELECT p.member_id FROM committees_memberplacement p
        JOIN scoped s ON s.id = p.organization_id
        WHERE p.valid_to > %(day)s
        UNION
        SELECT p.member_id FROM committees_memberplacement p
        JOIN scoped s ON s.id = p.organization_id
        WHERE p.valid_from > %(day)s"""

#: The same for the whole portal (the national root): by date alone; a
#: member who moved after the day has a placement that ended after it.
CHANGED_ANYWHERE = """
        SELECT m.id FROM committees_member m WHERE m.admitted_on > %(day)s
        UNION
        SELECT m.id FROM committees_member m WHERE m.status_changed_on > %(day)s
        UNION
        SELECT p.member_id FROM committees_memberplacement p
        WHERE p.valid_to > %(day)s"""

#: Active members on a day per organization, as today's tallies corrected by
#: the few members whose day differs from today's: admitted after the day,
#: status changed after it, or placed elsewhere over it (a closed placement
#: ending after it). Everyone else was active on the day exactly when they
#: are active today, in the organization they are in today, so the tallies
#: (kept by triggers) already count them. The cost grows with the changes
#: since the day, not with the members (5.6 million at the nation's scale).
#: A member moved into the scope after the day is found by the placement
#: that started there after it (placements follow the member's organization:
#: ``committees.timeline``).
#: Only organizations under the path prefix (the user's scope) are counted.
MEMBERS_ON = """
    WITH scoped AS (
        SELECT id FROM committees_organization WHERE path LIKE %(prefix)s
    ),
    changed AS MATERIALIZED (
        SELECT m.id, m.organization_id, m.status, m.admitted_on, m.status_changed_on
        FROM committees_member m WHERE m.id IN ({changed}
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
    )
    SELECT c.organization_id, SUM(c.n) FROM counted c
    JOIN scoped s ON s.id = c.organization_id
    GROUP BY c.organization_id
    HAVING SUM(c.n) <> 0"""


def members_on(day: date, prefix: str | None) -> dict[int, int]:
    """Active members on ``day`` per organization they belonged to then
    (organizations under ``prefix``; none counted are left out): one query.

    A member counts when admitted on or before the day and probationary or
    official now, or their status changed after the day; in the organization
    of the closed ``MemberPlacement`` covering the day, else of today.
    """
    if prefix is None:
        return {}
    params = {
        "prefix": f"{prefix}%",
        "day": day,
        "probationary": MemberStatus.PROBATIONARY.value,
        "official": MemberStatus.OFFICIAL.value,
    }
    changed = CHANGED_IN_SCOPE if prefix else CHANGED_ANYWHERE
    with connection.cursor() as cursor:
        cursor.execute(MEMBERS_ON.format(changed=changed), params)
        return {organization_id: int(n) for organization_id, n in cursor.fetchall()}


def tree_on(user: Any, day: date, *, active_only: bool = True) -> DatedTree:
    """The organizations the user may see, as they stood on ``day``, with
    the active members of each subtree on that day: two queries."""
    prefix = scope_path(user)
    if prefix is None:
        return DatedTree(day, [], {})
    versions = OrganizationVersion.objects.on(day)
    if active_only:
        versions = versions.filter(status=OrganizationStatus.ACTIVE)
    if prefix:
        versions = versions.filter(organization__path__startswith=prefix)
    rows = versions.values_list(
        "organization_id", "organization__code", "name", "kind", "status", "parent_id"
    )
    nodes = {
        pk: DatedNode(pk, code, name, kind, status, parent_id, day)
        for pk, code, name, kind, status, parent_id in rows
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
        node.children.sort(key=lambda n: (n.name, n.pk))
        node.member_count = node.own_members + sum(
            finish(child, depth + 1) for child in node.children
        )
        return node.member_count

    roots.sort(key=lambda n: (n.name, n.pk))
    for root in roots:
        finish(root, 1)
    return DatedTree(day, roots, nodes)


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
