"""split_organization / preview_split: chosen children and members form a
new organization beside the old one, which carries on."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from committees import restructuring
from committees.models import Organization, OrganizationStatus, RestructuringKind, Role
from committees.restructuring import NewOrganization
from tests.committees.restructure import (
    DAY,
    DECISION,
    parent_of,
    placements,
    reasons,
    record,
    seat,
    snapshot,
    versions,
)
from tests.factories import K, MemberFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def new_ward(tree, **changes):
    values = {
        "name": "Đảng bộ phường Ngô Quyền",
        "code": "TP-BG-NQ",
        "kind": K.GRASSROOTS_COMMITTEE,
        "parent": tree.city,
    }
    values.update(changes)
    return NewOrganization(**values)


def test_chosen_children_move_into_the_new_organization(tree, city_staff):
    result = restructuring.split_organization(
        acting_user=city_staff,
        organization=tree.city_grassroots,
        children=[tree.city_cell_2],
        new_organization=new_ward(tree),
        **record(),
    )
    new = Organization.objects.get(code="TP-BG-NQ")
    assert parent_of(new) == tree.city
    assert parent_of(tree.city_cell_2) == new
    assert parent_of(tree.city_cell) == tree.city_grassroots  # stays
    tree.city_grassroots.refresh_from_db()
    assert tree.city_grassroots.status == OrganizationStatus.ACTIVE
    assert result.kind == RestructuringKind.SPLIT
    assert set(result.links.values_list("organization", "role")) == {
        (tree.city_grassroots.pk, "source"),
        (new.pk, "target"),
        (tree.city_cell_2.pk, "moved"),
    }
    assert versions(new)[0][:3] == (DAY, None, tree.city.pk)
    assert versions(tree.city_cell_2)[-1][:3] == (DAY, None, new.pk)
    for organization in (tree.city_grassroots, new, tree.city_cell_2):
        assert reasons(organization)[0] == f"Split {DECISION}"


def test_chosen_members_move_and_their_seats_in_the_old_cell_end(tree, city_staff):
    leaving = MemberFactory(organization=tree.city_cell)
    staying = MemberFactory(organization=tree.city_cell)
    seat_left = seat(leaving, tree.city_cell, Role.SECRETARY)
    seat_above = seat(leaving, tree.city_grassroots)
    result = restructuring.split_organization(
        acting_user=city_staff,
        organization=tree.city_cell,
        members=[leaving],
        new_organization=new_ward(
            tree,
            name="Chi bộ tổ dân phố số 9",
            code="TP-9",
            kind=K.CELL,
            parent=tree.city_grassroots,
        ),
        **record(),
    )
    new = Organization.objects.get(code="TP-9")
    leaving.refresh_from_db()
    staying.refresh_from_db()
    assert leaving.organization == new
    assert staying.organization == tree.city_cell
    seat_left.refresh_from_db()
    seat_above.refresh_from_db()
    assert seat_left.ended_on == DAY
    assert seat_above.ended_on is None  # still under the grassroots committee
    assert placements(leaving) == [
        (tree.city_cell.pk, leaving.admitted_on, DAY),
        (new.pk, DAY, None),
    ]
    assert result.summary["member_records_moved"] == 1
    assert result.summary["positions_ended"] == 1


def test_it_refuses_members_for_a_kind_that_holds_none(tree, city_staff):
    member = MemberFactory(organization=tree.city_cell)
    with pytest.raises(ValidationError) as error:
        restructuring.split_organization(
            acting_user=city_staff,
            organization=tree.city_cell,
            members=[member],
            new_organization=new_ward(
                tree, parent=tree.city_grassroots, kind=K.PARTIAL_COMMITTEE
            ),
            **record(),
        )
    assert "cannot receive them" in str(error.value)


def test_it_refuses_children_of_another_organization(tree, city_staff):
    with pytest.raises(ValidationError) as error:
        restructuring.split_organization(
            acting_user=city_staff,
            organization=tree.city_grassroots,
            children=[tree.city_grassroots],
            new_organization=new_ward(tree),
            **record(),
        )
    assert "directly under" in str(error.value.message_dict["children"])


def test_it_refuses_a_split_of_nothing(tree, city_staff):
    with pytest.raises(ValidationError):
        restructuring.split_organization(
            acting_user=city_staff,
            organization=tree.city_grassroots,
            new_organization=new_ward(tree),
            **record(),
        )


def test_it_refuses_outside_the_scope(tree, outsider):
    with pytest.raises(PermissionDenied):
        restructuring.split_organization(
            acting_user=outsider,
            organization=tree.city_grassroots,
            children=[tree.city_cell_2],
            new_organization=new_ward(tree),
            **record(),
        )


def test_the_preview_writes_nothing(tree, city_staff):
    before = snapshot()
    preview = restructuring.preview_split(
        acting_user=city_staff,
        organization=tree.city_grassroots,
        children=[tree.city_cell_2],
        new_organization=new_ward(tree),
        **record(),
    )
    assert snapshot() == before
    assert {line.key: line.count for line in preview.lines}["organizations"] == 1


def test_a_failure_half_way_changes_nothing(tree, city_staff, monkeypatch):
    before = snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(restructuring.timeline, "change_version", broken)
    with pytest.raises(RuntimeError):
        restructuring.split_organization(
            acting_user=city_staff,
            organization=tree.city_grassroots,
            children=[tree.city_cell_2],
            new_organization=new_ward(tree),
            **record(),
        )
    assert snapshot() == before
