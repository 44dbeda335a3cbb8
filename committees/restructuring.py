"""Services: restructuring without losing history.

Merge, split, dissolve, move, rename and change the kind of organizations,
each with an effective date, a reason and the number of the decision that
ordered it. Every operation has a **preview** (``preview_*``: what moves,
what ends, who is re-scoped; nothing is written) and an **execution** that
computes the same plan again, so that what runs is what was checked; each
execution is one transaction and either completes or changes nothing.

What each execution does, in this order (positions first, while every
member still sits under the organizations they hold seats in):

1. open positions end on the effective date (``services.end_position``):
   those of the organizations that end, and those of members who leave the
   subtree of the organization they sit in;
2. child organizations move in the tree (treebeard ``move``), members change
   organization (in bulk, each with a history row and a placement);
3. staff scoped to an organization that ends are re-scoped to what received
   its contents;
4. organizations that end become "merged" (with ``merged_into``) or
   "dissolved"; a merged organization rests under its successor as a
   history node, so that the successor's staff see its lineage (its
   ratings, awards, congresses and past positions stay its own);
5. every organization touched gets a history row whose change reason names
   the restructuring, and the dated history (``committees.timeline``) gets
   its new versions;
6. ``signals.organizations_restructured`` lets other apps act (congresses
   are cancelled there) and report counts for the summary.

The allowed parent kinds hold for active organizations; an organization
that ended is kept where it rests, whatever its kind.

Effective dates are not in the future (the tree is today's tree) and not
before an organization's last recorded change (the history is written in
order).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from portal.access import ensure_in_scope
from portal.history import attribute
from portal.models import User

from . import services, signals, timeline
from .documents import parse_number
from .models import (
    ACTIVE_MEMBER_STATUSES,
    MEMBER_HOLDING_KINDS,
    Member,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Position,
    Restructuring,
    RestructuringKind,
    RestructuringOrganization,
    RestructuringRole,
)
from .signals import PreviewLine

Kind = RestructuringKind
Role = RestructuringRole


@dataclass(frozen=True)
class NewOrganization:
    """An organization a restructuring creates (a merger's new target, the
    new part of a split). It is established on the effective date."""

    name: str
    code: str
    kind: str
    parent: Organization | None

    def stand_in(self) -> Organization:
        """An unsaved organization for the kind checks."""
        return Organization(name=self.name, code=self.code, kind=self.kind)


@dataclass
class Preview:
    """What an operation would do; shown before it is confirmed."""

    kind: str
    effective_on: date
    lines: list[PreviewLine]
    changes: list[str] = field(default_factory=list)
    ending: list[Organization] = field(default_factory=list)
    children: list[Organization] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)
    destination: str = ""
    staff_kept: list[User] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    def digest(self) -> str:
        """A fingerprint of the figures: the confirmation checks that they
        did not change since the preview was shown."""
        parts = [self.kind, self.effective_on.isoformat(), *self.changes]
        parts += [f"{line.key}={line.count}" for line in self.lines]
        parts += [f"o{o.pk}" for o in self.ending + self.children]
        parts += [f"p{p.pk}" for p in self.positions]
        parts += [f"u{u.pk}" for u in self.staff]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


@dataclass
class _Plan:
    kind: str
    effective_on: date
    decision_number: str
    reason: str
    links: list[tuple[Organization, str]] = field(default_factory=list)
    target: Organization | None = None
    new_organization: NewOrganization | None = None
    ending: list[Organization] = field(default_factory=list)
    end_status: str = ""
    children: list[Organization] = field(default_factory=list)
    members: list[tuple[int, int, date]] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)
    staff_kept: list[User] = field(default_factory=list)
    subject: Organization | None = None
    new_parent: Organization | None = None
    new_name: str = ""
    new_kind: str = ""
    changes: list[str] = field(default_factory=list)
    moving_paths: list[str] = field(default_factory=list)
    active_members_moving: int = 0
    organizations_moving: int = 0

    @property
    def destination_label(self) -> str:
        if self.target is not None:
            return str(self.target)
        if self.new_organization is not None:
            return _("%(name)s (new)") % {"name": self.new_organization.name}
        if self.new_parent is not None:
            return str(self.new_parent)
        return ""

    def preview(self) -> Preview:
        lines = [
            PreviewLine(
                "organizations",
                _("Organizations moving, with everything below them"),
                self.organizations_moving,
            ),
            PreviewLine(
                "members",
                _("Active party members moving"),
                self.active_members_moving,
            ),
            PreviewLine(
                "member_records",
                _("Member records changing organization"),
                len(self.members),
            ),
            PreviewLine("ending", _("Organizations ending"), len(self.ending)),
            PreviewLine("positions", _("Open positions ending"), len(self.positions)),
            PreviewLine("staff", _("Staff accounts re-scoped"), len(self.staff)),
        ]
        moving = list(self.children)
        if self.subject is not None and self.new_parent is not None:
            moving.append(self.subject)
        lines += signals.contributed_lines(
            kind=self.kind, ending=self.ending, moving=moving
        )
        return Preview(
            kind=self.kind,
            effective_on=self.effective_on,
            lines=lines,
            changes=self.changes,
            ending=self.ending,
            children=self.children,
            positions=self.positions,
            staff=self.staff,
            destination=self.destination_label,
            staff_kept=self.staff_kept,
        )


# ---------------------------------------------------------------- checks


def _check_record(
    *, effective_on: date, decision_number: str, reason: str
) -> tuple[str, str]:
    """The decision number in its standard form and the reason, or errors."""
    errors: dict[str, list[str]] = {}
    number = ""
    try:
        number = str(parse_number(decision_number or ""))
    except ValidationError as error:
        errors["decision_number"] = error.messages
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why (the decision's subject).")]
    if effective_on > timezone.localdate():
        errors["effective_on"] = [
            _("The effective date cannot be in the future: record it on the day.")
        ]
    if errors:
        raise ValidationError(errors)
    return number, reason


def _fresh(organizations: Iterable[Organization]) -> list[Organization]:
    """Re-read (and lock) organizations: their paths may have moved."""
    ids = [o.pk for o in organizations]
    found = Organization.objects.select_for_update().in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError(_("An organization was deleted meanwhile."))
    return [found[pk] for pk in ids]


def _check_scope(acting_user: Any, organizations: Iterable[Organization]) -> None:
    """The actor must see every organization the operation touches."""
    for organization in organizations:
        ensure_in_scope(acting_user, organization)


def _check_active(organizations: Iterable[Organization], field_name: str) -> None:
    inactive = [o for o in organizations if not o.is_active]
    if inactive:
        raise ValidationError(
            {
                field_name: [
                    _("%(name)s is no longer active.") % {"name": o} for o in inactive
                ]
            }
        )


def _check_dates(organizations: Iterable[Organization], on: date) -> None:
    for organization in organizations:
        timeline.check_effective_date(organization, on)


def _label_error(error: ValidationError, prefix: str) -> list[str]:
    return [f"{prefix}: {message}" for message in error.messages]


def _check_can_hold(
    destination: Organization,
    children: Iterable[Organization],
    holds_members: bool,
    field_name: str,
) -> None:
    """``destination`` (saved or a stand-in) may hold these children (active
    ones) and, if any, members."""
    messages: list[str] = []
    for child in children:
        try:
            services.check_parent_kind(child.kind, destination)
        except ValidationError as error:
            messages += _label_error(error, str(child))
    if holds_members and destination.kind not in MEMBER_HOLDING_KINDS:
        messages.append(
            _(
                "Members belong to a party cell or a grassroots party cell: a "
                "%(kind)s cannot receive them."
            )
            % {"kind": OrganizationKind(destination.kind).label}
        )
    if messages:
        raise ValidationError({field_name: messages})


def _check_not_inside(
    organization: Organization, containers: Iterable[Organization], field_name: str
) -> None:
    for container in containers:
        if container.contains(organization):
            raise ValidationError(
                {
                    field_name: _("%(name)s lies inside %(container)s.")
                    % {"name": organization, "container": container}
                }
            )


def _check_new_organization(new: NewOrganization, acting_user: Any) -> None:
    errors: dict[str, list[str]] = {}
    code = new.code.strip().upper()
    if not new.name.strip():
        errors["new_name"] = [_("Give the name of the new organization.")]
    if not code:
        errors["new_code"] = [_("Give the code of the new organization.")]
    elif Organization.objects.filter(code=code).exists():
        errors["new_code"] = [_("The code %(code)s is already taken.") % {"code": code}]
    else:
        try:
            Organization._meta.get_field("code").run_validators(code)
        except ValidationError as error:
            errors["new_code"] = error.messages
    if errors:
        raise ValidationError(errors)
    if new.parent is None:
        if acting_user is not None and not acting_user.is_superuser:
            raise PermissionDenied
    else:
        ensure_in_scope(acting_user, new.parent)
        _check_active([new.parent], "new_parent")
    try:
        services.check_parent_kind(new.kind, new.parent)
    except ValidationError as error:
        raise ValidationError({"new_kind": error.messages}) from error


def _active_children(organizations: Iterable[Organization]) -> list[Organization]:
    """Active children of each organization (one query): they move."""
    q = Q()
    for organization in organizations:
        q |= Q(path__startswith=organization.path, depth=organization.depth + 1)
    if not q:
        return []
    return list(
        Organization.objects.filter(q, status=OrganizationStatus.ACTIVE).order_by(
            "path"
        )
    )


def _member_moves(organizations: Iterable[Organization]) -> list[tuple[int, int, date]]:
    """Every member record of these organizations: (id, organization, admitted)."""
    return list(
        Member.objects.filter(organization__in=list(organizations)).values_list(
            "pk", "organization_id", "admitted_on"
        )
    )


def _chain(organization: Organization | None) -> set[str]:
    """Paths of the organization and its ancestors."""
    if organization is None:
        return set()
    return set(organization.ancestor_paths(include_self=True))


def _positions_left_behind(
    *,
    old_chain: set[str],
    new_chain: set[str],
    subtrees: Sequence[Organization],
    member_ids: Sequence[int],
) -> list[Position]:
    """Open seats in organizations the movers leave: held by members in the
    moving subtrees (or moving themselves) in organizations above them that
    will no longer be above them."""
    left = old_chain - new_chain
    if not left or (not subtrees and not member_ids):
        return []
    who = Q(member_id__in=list(member_ids)) if member_ids else Q(pk__in=[])
    for root in subtrees:
        who |= Q(member__organization__path__startswith=root.path)
    return list(
        Position.objects.current()
        .filter(organization__path__in=left)
        .filter(who)
        .select_related("member", "organization")
    )


def _positions_of(organizations: Sequence[Organization]) -> list[Position]:
    if not organizations:
        return []
    return list(
        Position.objects.current()
        .filter(organization__in=list(organizations))
        .select_related("member", "organization")
    )


def _check_positions(positions: Iterable[Position], on: date) -> None:
    late = [p for p in positions if p.started_on > on]
    if late:
        raise ValidationError(
            {
                "effective_on": [
                    _(
                        "%(position)s starts on %(date)s, after the effective "
                        "date: correct it first."
                    )
                    % {"position": p, "date": p.started_on.strftime("%d/%m/%Y")}
                    for p in late
                ]
            }
        )


def _unique_positions(*groups: Iterable[Position]) -> list[Position]:
    seen: dict[int, Position] = {}
    for group in groups:
        for position in group:
            seen.setdefault(position.pk, position)
    return sorted(seen.values(), key=lambda p: (p.organization.path, p.rank, p.pk))


def _count_moving(plan: _Plan, roots: Sequence[Organization]) -> None:
    """How many organizations and active members move (two queries)."""
    direct = [member_id for member_id, _old, _admitted in plan.members]
    plan.moving_paths = [root.path for root in roots]
    if roots:
        q = Q()
        for root in roots:
            q |= Q(path__startswith=root.path)
        plan.organizations_moving = Organization.objects.filter(q).count()
    members = Q(pk__in=direct) if direct else Q(pk__in=[])
    for root in roots:
        members |= Q(organization__path__startswith=root.path)
    plan.active_members_moving = (
        Member.objects.filter(members, status__in=ACTIVE_MEMBER_STATUSES).count()
        if roots or direct
        else 0
    )


def _staff_of(organizations: Sequence[Organization]) -> list[User]:
    if not organizations:
        return []
    return list(
        User._base_manager.filter(scope__in=list(organizations)).order_by("username")
    )


# ---------------------------------------------------------------- plans


def _plan_merge(
    *,
    acting_user: Any,
    sources: Sequence[Organization],
    target: Organization | None,
    new_target: NewOrganization | None,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> _Plan:
    number, reason = _check_record(
        effective_on=effective_on, decision_number=decision_number, reason=reason
    )
    if (target is None) == (new_target is None):
        raise ValidationError(
            {"target": _("Choose the organization they merge into, or a new one.")}
        )
    sources = _fresh(dict.fromkeys(sources))  # distinct, in order
    if not sources:
        raise ValidationError({"sources": _("Choose the organizations to merge.")})
    _check_scope(acting_user, sources)
    _check_active(sources, "sources")
    for source in sources:
        _check_not_inside(source, [s for s in sources if s is not source], "sources")
    plan = _Plan(
        kind=Kind.MERGE,
        effective_on=effective_on,
        decision_number=number,
        reason=reason,
        end_status=OrganizationStatus.MERGED,
    )
    if target is not None:
        (target,) = _fresh([target])
        _check_scope(acting_user, [target])
        _check_active([target], "target")
        if target in sources:
            raise ValidationError(
                {"target": _("An organization cannot merge into itself.")}
            )
        _check_not_inside(target, sources, "target")
        _check_dates([target], effective_on)
        destination = target
        new_chain = _chain(target)
        plan.target = target
    else:
        if new_target.parent is not None:
            (parent,) = _fresh([new_target.parent])
            new_target = NewOrganization(
                new_target.name, new_target.code, new_target.kind, parent
            )
            _check_not_inside(parent, sources, "target")
        _check_new_organization(new_target, acting_user)
        destination = new_target.stand_in()
        new_chain = _chain(new_target.parent)
        plan.new_organization = new_target
    _check_dates(sources, effective_on)
    children = _active_children(sources)
    members = _member_moves(sources)
    _check_can_hold(destination, children, bool(members), "target")
    old_chain: set[str] = set()
    for source in sources:
        old_chain |= _chain(source)
    plan.positions = _unique_positions(
        _positions_of(sources),
        _positions_left_behind(
            old_chain=old_chain,
            new_chain=new_chain,
            subtrees=sources,
            member_ids=[m[0] for m in members],
        ),
    )
    _check_positions(plan.positions, effective_on)
    plan.ending = sources
    plan.children = children
    plan.members = members
    plan.staff = _staff_of(sources)
    plan.links = [(s, Role.SOURCE) for s in sources]
    if target is not None:
        plan.links.append((target, Role.TARGET))
    plan.links += [(c, Role.MOVED) for c in children]
    _count_moving(plan, children)
    plan.changes = [
        _("%(source)s → %(target)s") % {"source": s, "target": plan.destination_label}
        for s in sources
    ]
    return plan


def _plan_split(
    *,
    acting_user: Any,
    organization: Organization,
    children: Sequence[Organization],
    members: Sequence[Member],
    new_organization: NewOrganization,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> _Plan:
    number, reason = _check_record(
        effective_on=effective_on, decision_number=decision_number, reason=reason
    )
    (organization,) = _fresh([organization])
    _check_scope(acting_user, [organization])
    _check_active([organization], "organization")
    children = _fresh(dict.fromkeys(children))
    strangers = [
        c for c in children if c.parent_path != organization.path or not c.is_active
    ]
    if strangers:
        raise ValidationError(
            {
                "children": [
                    _(
                        "%(name)s is not an active organization directly "
                        "under %(parent)s."
                    )
                    % {"name": c, "parent": organization}
                    for c in strangers
                ]
            }
        )
    member_ids = list(dict.fromkeys(m.pk for m in members))
    moves = list(
        Member.objects.filter(pk__in=member_ids).values_list(
            "pk", "organization_id", "admitted_on"
        )
    )
    if len(moves) != len(member_ids) or any(
        old != organization.pk for _pk, old, _admitted in moves
    ):
        raise ValidationError(
            {"members": _("Choose members of %(name)s.") % {"name": organization}}
        )
    if not children and not moves:
        raise ValidationError(
            _("Choose the organizations or the members that form the new one.")
        )
    parent = new_organization.parent
    if parent is not None:
        (parent,) = _fresh([parent])
        new_organization = NewOrganization(
            new_organization.name, new_organization.code, new_organization.kind, parent
        )
        _check_not_inside(parent, children, "new_parent")
    _check_new_organization(new_organization, acting_user)
    _check_dates([organization], effective_on)
    stand_in = new_organization.stand_in()
    _check_can_hold(stand_in, children, bool(moves), "new_kind")
    new_chain = _chain(parent)
    plan = _Plan(
        kind=Kind.SPLIT,
        effective_on=effective_on,
        decision_number=number,
        reason=reason,
        new_organization=new_organization,
        children=children,
        members=moves,
    )
    plan.positions = _positions_left_behind(
        old_chain=_chain(organization),
        new_chain=new_chain,
        subtrees=children,
        member_ids=[m[0] for m in moves],
    )
    _check_positions(plan.positions, effective_on)
    plan.links = [(organization, Role.SOURCE)] + [(c, Role.MOVED) for c in children]
    _count_moving(plan, children)
    plan.changes = [
        _("From %(source)s into %(target)s")
        % {"source": organization, "target": plan.destination_label}
    ]
    return plan


def _plan_dissolve(
    *,
    acting_user: Any,
    organization: Organization,
    target: Organization | None,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> _Plan:
    number, reason = _check_record(
        effective_on=effective_on, decision_number=decision_number, reason=reason
    )
    (organization,) = _fresh([organization])
    _check_scope(acting_user, [organization])
    _check_active([organization], "organization")
    _check_dates([organization], effective_on)
    children = _active_children([organization])
    members = _member_moves([organization])
    plan = _Plan(
        kind=Kind.DISSOLVE,
        effective_on=effective_on,
        decision_number=number,
        reason=reason,
        end_status=OrganizationStatus.DISSOLVED,
        ending=[organization],
        links=[(organization, Role.SOURCE)],
    )
    if target is None:
        if children or members:
            raise ValidationError(
                {
                    "target": _(
                        "%(name)s still holds %(organizations)s organizations and "
                        "%(members)s member records: choose where they go."
                    )
                    % {
                        "name": organization,
                        "organizations": len(children),
                        "members": len(members),
                    }
                }
            )
        plan.positions = _positions_of([organization])
        plan.staff_kept = _staff_of([organization])
    else:
        (target,) = _fresh([target])
        _check_scope(acting_user, [target])
        _check_active([target], "target")
        if target == organization:
            raise ValidationError(
                {"target": _("Choose another organization to receive what remains.")}
            )
        _check_not_inside(target, [organization], "target")
        _check_dates([target], effective_on)
        _check_can_hold(target, children, bool(members), "target")
        plan.target = target
        plan.children = children
        plan.members = members
        plan.staff = _staff_of([organization])
        plan.positions = _unique_positions(
            _positions_of([organization]),
            _positions_left_behind(
                old_chain=_chain(organization),
                new_chain=_chain(target),
                subtrees=[organization],
                member_ids=[m[0] for m in members],
            ),
        )
        plan.links += [(target, Role.TARGET)] + [(c, Role.MOVED) for c in children]
        _count_moving(plan, children)
    _check_positions(plan.positions, effective_on)
    plan.changes = [_("%(name)s is dissolved") % {"name": organization}]
    return plan


def _plan_move(
    *,
    acting_user: Any,
    organization: Organization,
    new_parent: Organization,
    new_kind: str = "",
    effective_on: date,
    reason: str,
    decision_number: str,
) -> _Plan:
    number, reason = _check_record(
        effective_on=effective_on, decision_number=decision_number, reason=reason
    )
    (organization, new_parent) = _fresh([organization, new_parent])
    old_parent = (
        Organization.objects.get(path=organization.parent_path)
        if organization.depth > 1
        else None
    )
    _check_scope(acting_user, [o for o in (organization, old_parent, new_parent) if o])
    _check_active([organization], "organization")
    _check_active([new_parent], "new_parent")
    if new_parent == organization or organization.contains(new_parent):
        raise ValidationError(
            {"new_parent": _("An organization cannot move under itself.")}
        )
    if old_parent == new_parent and (not new_kind or new_kind == organization.kind):
        raise ValidationError(
            {"new_parent": _("%(name)s is already there.") % {"name": organization}}
        )
    kind = new_kind or organization.kind
    try:
        services.check_parent_kind(kind, new_parent)
    except ValidationError as error:
        raise ValidationError({"new_parent": error.messages}) from error
    if kind != organization.kind:
        _check_kind_change(organization, kind)
    _check_dates([organization], effective_on)
    plan = _Plan(
        kind=Kind.MOVE,
        effective_on=effective_on,
        decision_number=number,
        reason=reason,
        subject=organization,
        new_parent=new_parent,
        new_kind=kind if kind != organization.kind else "",
    )
    plan.positions = _positions_left_behind(
        old_chain=_chain(old_parent),
        new_chain=_chain(new_parent),
        subtrees=[organization],
        member_ids=[],
    )
    _check_positions(plan.positions, effective_on)
    plan.links = [(organization, Role.MOVED), (new_parent, Role.TARGET)]
    if old_parent is not None:
        plan.links.append((old_parent, Role.SOURCE))
    _count_moving(plan, [organization])
    plan.changes = [
        _("Parent: %(old)s → %(new)s") % {"old": old_parent or "—", "new": new_parent}
    ]
    if plan.new_kind:
        plan.changes.append(_kind_change_text(organization.kind, kind))
    return plan


def _kind_change_text(old: str, new: str) -> str:
    return _("Kind: %(old)s → %(new)s") % {
        "old": OrganizationKind(old).label,
        "new": OrganizationKind(new).label,
    }


def _check_kind_change(organization: Organization, kind: str) -> None:
    """The children and members of ``organization`` fit the new kind."""
    children = _active_children([organization])
    has_members = Member.objects.filter(organization=organization).exists()
    stand_in = Organization(name=organization.name, kind=kind)
    _check_can_hold(stand_in, children, has_members, "kind")


def _plan_rename(
    *,
    acting_user: Any,
    organization: Organization,
    name: str,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> _Plan:
    number, reason = _check_record(
        effective_on=effective_on, decision_number=decision_number, reason=reason
    )
    (organization,) = _fresh([organization])
    _check_scope(acting_user, [organization])
    _check_active([organization], "organization")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the new name.")})
    if name == organization.name:
        raise ValidationError({"name": _("This is already its name.")})
    _check_dates([organization], effective_on)
    return _Plan(
        kind=Kind.RENAME,
        effective_on=effective_on,
        decision_number=number,
        reason=reason,
        subject=organization,
        new_name=name,
        links=[(organization, Role.MOVED)],
        changes=[
            _("Name: %(old)s → %(new)s") % {"old": organization.name, "new": name}
        ],
    )


def _plan_change_kind(
    *,
    acting_user: Any,
    organization: Organization,
    kind: str,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> _Plan:
    number, reason = _check_record(
        effective_on=effective_on, decision_number=decision_number, reason=reason
    )
    (organization,) = _fresh([organization])
    _check_scope(acting_user, [organization])
    _check_active([organization], "organization")
    if kind not in OrganizationKind.values:
        raise ValidationError({"kind": _("Choose a kind.")})
    if kind == organization.kind:
        raise ValidationError({"kind": _("This is already its kind.")})
    parent = (
        Organization.objects.get(path=organization.parent_path)
        if organization.depth > 1
        else None
    )
    try:
        services.check_parent_kind(kind, parent)
    except ValidationError as error:
        raise ValidationError({"kind": error.messages}) from error
    _check_kind_change(organization, kind)
    _check_dates([organization], effective_on)
    return _Plan(
        kind=Kind.CHANGE_KIND,
        effective_on=effective_on,
        decision_number=number,
        reason=reason,
        subject=organization,
        new_kind=kind,
        links=[(organization, Role.MOVED)],
        changes=[_kind_change_text(organization.kind, kind)],
    )


# ---------------------------------------------------------------- execution


def _actor(acting_user: Any) -> User | None:
    return acting_user if getattr(acting_user, "pk", None) else None


def _save_node(
    organization: Organization, acting_user: Any, reason: str, **changes: Any
) -> Organization:
    """Re-read, change, validate and save with a history row."""
    organization = Organization.objects.get(pk=organization.pk)
    for name, value in changes.items():
        setattr(organization, name, value)
    organization.full_clean(exclude=["path", "depth", "numchild", "code"])
    attribute(organization, acting_user, reason)
    organization.save()
    return organization


def _move_node(node: Organization, parent: Organization) -> None:
    Organization.objects.move(
        Organization.objects.get(pk=node.pk),
        Organization.objects.get(pk=parent.pk),
        "last-child",
    )


def _execute(plan: _Plan, acting_user: Any) -> Restructuring:
    on = plan.effective_on
    restructuring = Restructuring.objects.create(
        kind=plan.kind,
        effective_on=on,
        decision_number=plan.decision_number,
        reason=plan.reason,
        created_by=_actor(acting_user),
    )
    why = restructuring.history_reason
    links = list(plan.links)

    destination = plan.target
    if plan.new_organization is not None:
        new = plan.new_organization
        destination = services.create_organization(
            acting_user=acting_user,
            parent=new.parent,
            name=new.name,
            code=new.code,
            kind=new.kind,
            established_on=on,
        )
        links.append((destination, Role.TARGET))

    # 1. seats end while everyone still sits where they sat
    for position in plan.positions:
        services.end_position(acting_user=acting_user, position=position, ended_on=on)

    # 2. organizations and members move
    for child in plan.children:
        _move_node(child, destination)
        moved = _save_node(child, acting_user, why)
        timeline.change_version(
            moved, on=on, parent=destination, restructuring=restructuring
        )
    members_moved = 0
    if plan.members:
        records = list(Member.objects.filter(pk__in=[m[0] for m in plan.members]))
        now = timezone.now()
        for member in records:
            member.organization_id = destination.pk
            member.updated_at = now
        bulk_update_with_history(
            records,
            Member,
            ["organization", "updated_at"],
            batch_size=1_000,
            default_user=_actor(acting_user),
            default_change_reason=why,
        )
        members_moved = timeline.move_members(
            plan.members, to=destination.pk, on=on, restructuring=restructuring
        )

    if plan.subject is not None:
        _change_subject(plan, restructuring, acting_user)

    # 3. staff follow what received the contents
    for user in plan.staff:
        user.scope = destination
        user.save(update_fields=["scope"])

    # 4. organizations that end
    successors: dict[int, Organization | None] = {}
    for ending in plan.ending:
        merged = plan.end_status == OrganizationStatus.MERGED
        if merged:
            _move_node(ending, destination)  # rests under its successor
        ended = _save_node(
            ending,
            acting_user,
            why,
            status=plan.end_status,
            ended_on=on,
            merged_into=destination if merged else None,
        )
        rest_under = destination if merged else timeline.UNCHANGED
        timeline.change_version(
            ended,
            on=on,
            parent=rest_under,
            restructuring=restructuring,
            status=plan.end_status,
        )
        successors[ended.pk] = destination

    # 5. every organization touched shows it in its history
    if destination is not None:
        _save_node(destination, acting_user, why)
    for organization, role in plan.links:
        if role in (Role.SOURCE, Role.TARGET) and organization not in plan.ending:
            if destination is None or organization.pk != destination.pk:
                _save_node(organization, acting_user, why)
    RestructuringOrganization.objects.bulk_create(
        [
            RestructuringOrganization(
                restructuring=restructuring, organization_id=pk, role=role
            )
            for pk, role in dict.fromkeys((o.pk, r) for o, r in links)
        ]
    )

    # 6. the other apps
    summary: dict[str, Any] = {
        "organizations_moved": plan.organizations_moving,
        "active_members_moved": plan.active_members_moving,
        "member_records_moved": members_moved,
        "organizations_ended": len(plan.ending),
        "positions_ended": len(plan.positions),
        "staff_rescoped": [u.username for u in plan.staff],
    }
    if plan.changes:
        summary["changes"] = plan.changes
    moved_organizations = list(plan.children)
    if plan.subject is not None and plan.new_parent is not None:
        moved_organizations.append(plan.subject)
    responses = signals.organizations_restructured.send(
        sender=Restructuring,
        restructuring=restructuring,
        acting_user=acting_user,
        ended=_fresh(plan.ending),
        successors=successors,
        moved=_fresh(moved_organizations),
    )
    for _receiver, response in responses:
        if isinstance(response, dict):
            summary.update(response)
    restructuring.summary = summary
    restructuring.save(update_fields=["summary", "updated_at"])
    return restructuring


def _change_subject(
    plan: _Plan, restructuring: Restructuring, acting_user: Any
) -> None:
    subject = plan.subject
    why = restructuring.history_reason
    dated: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if plan.new_parent is not None:
        _move_node(subject, plan.new_parent)
        dated["parent"] = plan.new_parent
    if plan.new_kind:
        changes["kind"] = dated["kind"] = plan.new_kind
    if plan.new_name:
        changes["name"] = dated["name"] = plan.new_name
    saved = _save_node(subject, acting_user, why, **changes)
    timeline.change_version(
        saved, on=plan.effective_on, restructuring=restructuring, **dated
    )


# ---------------------------------------------------------------- the services
# Each passes its keyword arguments on as they are (``**locals()``): the
# preview and the execution compute the very same plan.


@transaction.atomic
def preview_merge(
    *,
    acting_user: Any,
    sources: Sequence[Organization],
    target: Organization | None = None,
    new_target: NewOrganization | None = None,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Preview:
    """What ``merge_organizations`` would do; nothing is written."""
    return _plan_merge(**locals()).preview()


@transaction.atomic
def merge_organizations(
    *,
    acting_user: Any,
    sources: Sequence[Organization],
    target: Organization | None = None,
    new_target: NewOrganization | None = None,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Restructuring:
    """Merge ``sources`` into ``target`` (or into a new organization).

    Their active child organizations and their members move to the target;
    their open positions end on the effective date; they become "merged",
    with ``merged_into`` naming the target, and rest under it with their
    ratings, awards, congresses and past positions (its lineage).
    """
    return _execute(_plan_merge(**locals()), acting_user)


@transaction.atomic
def preview_split(
    *,
    acting_user: Any,
    organization: Organization,
    children: Sequence[Organization] = (),
    members: Sequence[Member] = (),
    new_organization: NewOrganization,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Preview:
    return _plan_split(**locals()).preview()


@transaction.atomic
def split_organization(
    *,
    acting_user: Any,
    organization: Organization,
    children: Sequence[Organization] = (),
    members: Sequence[Member] = (),
    new_organization: NewOrganization,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Restructuring:
    """Move chosen child organizations and members of ``organization`` into a
    new organization; ``organization`` carries on with the rest."""
    return _execute(_plan_split(**locals()), acting_user)


@transaction.atomic
def preview_dissolve(
    *,
    acting_user: Any,
    organization: Organization,
    target: Organization | None = None,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Preview:
    return _plan_dissolve(**locals()).preview()


@transaction.atomic
def dissolve_organization(
    *,
    acting_user: Any,
    organization: Organization,
    target: Organization | None = None,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Restructuring:
    """Dissolve an organization: refused while anything remains inside,
    unless ``target`` receives what remains (its staff follow)."""
    return _execute(_plan_dissolve(**locals()), acting_user)


@transaction.atomic
def preview_move(
    *,
    acting_user: Any,
    organization: Organization,
    new_parent: Organization,
    new_kind: str = "",
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Preview:
    return _plan_move(**locals()).preview()


@transaction.atomic
def move_organization(
    *,
    acting_user: Any,
    organization: Organization,
    new_parent: Organization,
    new_kind: str = "",
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Restructuring:
    """Move a subtree under another parent (allowed parent kinds enforced),
    optionally changing its kind on the way (a district-level committee's
    commune committee placed directly under the province)."""
    return _execute(_plan_move(**locals()), acting_user)


@transaction.atomic
def preview_rename(
    *,
    acting_user: Any,
    organization: Organization,
    name: str,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Preview:
    return _plan_rename(**locals()).preview()


@transaction.atomic
def rename_organization(
    *,
    acting_user: Any,
    organization: Organization,
    name: str,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Restructuring:
    return _execute(_plan_rename(**locals()), acting_user)


@transaction.atomic
def preview_change_kind(
    *,
    acting_user: Any,
    organization: Organization,
    kind: str,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Preview:
    return _plan_change_kind(**locals()).preview()


@transaction.atomic
def change_organization_kind(
    *,
    acting_user: Any,
    organization: Organization,
    kind: str,
    effective_on: date,
    reason: str,
    decision_number: str,
) -> Restructuring:
    return _execute(_plan_change_kind(**locals()), acting_user)
