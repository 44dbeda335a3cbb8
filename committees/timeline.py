"""Effective-dated history beside the treebeard tree.

The tree (``Organization.path``) is always today's tree and stays as fast as
it was; these helpers keep two tables in line with it, so that the tree and
the member counts can be shown as they stood on any date:

- ``OrganizationVersion``: an organization's parent, name, kind and status
  from ``valid_from`` (included) to ``valid_to`` (excluded, empty while it
  lasts). ``create_organization`` writes the first version; every
  restructuring service closes the open version on its effective date and
  opens the next one. Two changes on the same day make one version.
- ``MemberPlacement``: the organization a member belonged to, likewise;
  written by ``create_member``, by ``update_member`` when the organization
  changes (on the day of the edit) and by the restructuring services (on
  their effective date).

Only the services call these (inside their transaction); they never check
scope or permissions themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from portal import bulk_copy

from .models import (
    BEGINNING,
    Member,
    MemberPlacement,
    Organization,
    OrganizationVersion,
    Restructuring,
)

#: Sentinel: "the parent does not change" (None is a root).
UNCHANGED: Any = object()


def first_day(organization: Organization) -> date:
    return organization.established_on or BEGINNING


def parent_id_of(organization: Organization) -> int | None:
    """Today's parent, from the path: one query (none for a root)."""
    if organization.depth <= 1:
        return None
    return (
        Organization.objects.filter(path=organization.parent_path)
        .values_list("pk", flat=True)
        .first()
    )


def open_first_version(
    organization: Organization,
    *,
    parent: Organization | None,
    valid_from: date | None = None,
    restructuring: Restructuring | None = None,
) -> OrganizationVersion:
    return OrganizationVersion.objects.create(
        organization=organization,
        valid_from=valid_from or first_day(organization),
        parent=parent,
        name=organization.name,
        kind=organization.kind,
        status=organization.status,
        restructuring=restructuring,
    )


def current_version(organization: Organization) -> OrganizationVersion:
    """The open version, locked; made from today's fields when missing (an
    organization written around the services)."""
    version = (
        OrganizationVersion.objects.select_for_update()
        .filter(organization=organization, valid_to__isnull=True)
        .first()
    )
    if version is None:
        version = OrganizationVersion.objects.create(
            organization=organization,
            valid_from=first_day(organization),
            parent_id=parent_id_of(organization),
            name=organization.name,
            kind=organization.kind,
            status=organization.status,
        )
    return version


def check_effective_date(organization: Organization, on: date) -> None:
    """Refuse a change dated before the organization's last recorded one:
    the history is written in order."""
    start = (
        OrganizationVersion.objects.filter(
            organization=organization, valid_to__isnull=True
        )
        .values_list("valid_from", flat=True)
        .first()
    )
    if start is None:
        start = first_day(organization)
    if on < start:
        raise ValidationError(
            {
                "effective_on": _(
                    "%(organization)s changed last on %(date)s: a restructuring "
                    "cannot take effect before that."
                )
                % {"organization": organization, "date": start.strftime("%d/%m/%Y")}
            }
        )


def change_version(
    organization: Organization,
    *,
    on: date,
    parent: Any = UNCHANGED,
    restructuring: Restructuring | None = None,
    **fields: Any,
) -> OrganizationVersion:
    """Close the open version on ``on`` and open the next one with the given
    changes (``name``, ``kind``, ``status``, ``parent``)."""
    unknown = set(fields) - {"name", "kind", "status"}
    if unknown:
        raise ValueError(f"Not dated: {sorted(unknown)}")
    current = current_version(organization)
    if on < current.valid_from:
        check_effective_date(organization, on)  # raises
    values = {
        "parent_id": current.parent_id,
        "name": current.name,
        "kind": current.kind,
        "status": current.status,
    }
    if parent is not UNCHANGED:
        values["parent_id"] = parent.pk if parent is not None else None
    values.update(fields)
    if on == current.valid_from:
        # A second change on the same day: one version says both.
        for name, value in values.items():
            setattr(current, name, value)
        if restructuring is not None:
            current.restructuring = restructuring
        current.save()
        return current
    current.valid_to = on
    current.save(update_fields=["valid_to"])
    return OrganizationVersion.objects.create(
        organization=organization,
        valid_from=on,
        restructuring=restructuring,
        **values,
    )


def correct_current_version(
    organization: Organization, *, parent_too: bool = False
) -> None:
    """A correction (``update_organization``, a superuser's move in the
    admin): the open version says today's name (and parent), and the first
    version starts on the establishment date when that still leaves it a day
    or more. Nothing is dated: a corrected mistake has no history of its
    own beyond the history rows."""
    version = current_version(organization)
    changed = []
    if version.name != organization.name:
        version.name = organization.name
        changed.append("name")
    if parent_too:
        parent_id = parent_id_of(organization)
        if version.parent_id != parent_id:
            version.parent_id = parent_id
            changed.append("parent")
    if changed:
        version.save(update_fields=changed)
    first = (
        OrganizationVersion.objects.filter(organization=organization)
        .order_by("valid_from")
        .first()
    )
    start = first_day(organization)
    if first.valid_from != start and (first.valid_to is None or start < first.valid_to):
        first.valid_from = start
        first.save(update_fields=["valid_from"])


# ---------------------------------------------------------------- placements


def place_new_member(member: Member) -> MemberPlacement:
    return MemberPlacement.objects.create(
        member=member,
        organization_id=member.organization_id,
        valid_from=member.admitted_on,
    )


def place_new_members(members: Iterable[Member]) -> None:
    """``place_new_member`` for members created in bulk: one query."""
    if connection.vendor == "postgresql":
        bulk_copy.copy_rows(
            MemberPlacement._meta.db_table,
            ["member_id", "organization_id", "valid_from"],
            ((m.pk, m.organization_id, m.admitted_on) for m in members),
        )
        return
    MemberPlacement.objects.bulk_create(
        [
            MemberPlacement(
                member_id=m.pk,
                organization_id=m.organization_id,
                valid_from=m.admitted_on,
            )
            for m in members
        ],
        batch_size=1_000,
    )


def move_members(
    moves: Iterable[tuple[int, int, date]],
    *,
    to: int,
    on: date,
    restructuring: Restructuring | None = None,
) -> int:
    """Record that members (``(id, old organization id, admission date)``)
    belong to organization ``to`` from ``on``: a constant number of queries.

    The open placement closes on ``on``; a member without any placement (one
    written around the services) gets the one it implies first, in the old
    organization since admission. A member admitted on or after ``on``
    never was in the old organization: the placement is corrected instead.
    """
    moves = [m for m in moves if m[1] != to]
    if not moves:
        return 0
    ids = [member_id for member_id, _old, _admitted in moves]
    open_rows = {
        p.member_id: p
        for p in MemberPlacement.objects.select_for_update().filter(
            member_id__in=ids, valid_to__isnull=True
        )
    }
    close, correct, create = [], [], []
    for member_id, old, admitted in moves:
        placement = open_rows.get(member_id)
        if placement is None:
            if admitted < on:
                create.append(
                    MemberPlacement(
                        member_id=member_id,
                        organization_id=old,
                        valid_from=admitted,
                        valid_to=on,
                    )
                )
            create.append(
                MemberPlacement(
                    member_id=member_id,
                    organization_id=to,
                    valid_from=max(admitted, on),
                    restructuring=restructuring,
                )
            )
        elif placement.valid_from >= on:
            placement.organization_id = to
            placement.restructuring = restructuring
            correct.append(placement)
        else:
            placement.valid_to = on
            close.append(placement)
            create.append(
                MemberPlacement(
                    member_id=member_id,
                    organization_id=to,
                    valid_from=on,
                    restructuring=restructuring,
                )
            )
    if close:
        MemberPlacement.objects.bulk_update(close, ["valid_to"], batch_size=1_000)
    if correct:
        MemberPlacement.objects.bulk_update(
            correct, ["organization", "restructuring"], batch_size=1_000
        )
    MemberPlacement.objects.bulk_create(create, batch_size=1_000)
    return len(moves)
