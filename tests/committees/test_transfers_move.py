"""Moving a member within one scope (``transfers.move_member``)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from committees import transfers
from committees.models import (
    MemberStatus,
    Position,
    Role,
    Transfer,
    TransferKind,
    TransferStatus,
)
from tests.committees.restructure import placements, seat
from tests.committees.transfer_support import (
    active_in,
    days_ago,
    issue,
    placed_member,
    tallies_agree,
    today,
)
from tests.factories import K, MemberFactory, org


@pytest.fixture
def other_grassroots_cell(tree):
    """A grassroots cell of the city, outside the member's grassroots
    committee: a move there leaves the committee's subtree."""
    return org(tree.city, K.GRASSROOTS_CELL, "Chi bộ cơ sở Trường THPT", "TP-BG-THPT")


def move(member, to, *, acting_user, effective_on=None, reason="Chuyển nơi cư trú"):
    return transfers.move_member(
        acting_user=acting_user,
        member=member,
        to=to,
        effective_on=effective_on or days_ago(3),
        reason=reason,
    )


def test_it_moves_the_member_with_a_placement_and_a_history_row(tree, city_staff):
    member = placed_member(tree.city_cell)
    on = days_ago(3)
    transfer = move(member, tree.city_cell_2, acting_user=city_staff, effective_on=on)
    member.refresh_from_db()
    assert member.organization == tree.city_cell_2
    assert placements(member) == [
        (tree.city_cell.pk, member.admitted_on, on),
        (tree.city_cell_2.pk, on, None),
    ]
    last = member.history.first()
    assert last.history_user == city_staff
    assert last.history_change_reason == "Move within the scope: Chuyển nơi cư trú"
    assert transfer.kind == TransferKind.INTERNAL
    assert transfer.status == TransferStatus.ACCEPTED
    assert transfer.from_organization == tree.city_cell
    assert transfer.to_organization == tree.city_cell_2
    assert transfer.effective_on == on
    assert transfer.decided_by == city_staff
    assert transfer.history.count() == 1


def test_a_member_without_placements_gets_the_implied_history(tree, city_staff):
    member = MemberFactory(organization=tree.city_cell)  # around the services
    on = days_ago(1)
    move(member, tree.city_cell_2, acting_user=city_staff, effective_on=on)
    assert placements(member) == [
        (tree.city_cell.pk, member.admitted_on, on),
        (tree.city_cell_2.pk, on, None),
    ]


def test_positions_in_organizations_left_end_on_the_effective_date(
    tree, city_staff, other_grassroots_cell
):
    member = placed_member(tree.city_cell)
    left = seat(member, tree.city_grassroots)
    kept = seat(member, tree.city)
    on = days_ago(2)
    plan = transfers.preview_move_member(
        acting_user=city_staff,
        member=member,
        to=other_grassroots_cell,
        effective_on=on,
        reason="Điều động công tác",
    )
    assert [p.pk for p in plan.positions] == [left.pk]
    assert Position.objects.get(pk=left.pk).ended_on is None  # a preview only
    move(member, other_grassroots_cell, acting_user=city_staff, effective_on=on)
    left.refresh_from_db()
    kept.refresh_from_db()
    assert left.ended_on == on
    assert left.history.first().history_user == city_staff
    assert kept.ended_on is None  # the city still holds the member


def test_a_move_inside_the_same_committee_ends_no_position(tree, city_staff):
    member = placed_member(tree.city_cell)
    position = seat(member, tree.city_grassroots, Role.SECRETARY)
    move(member, tree.city_cell_2, acting_user=city_staff)
    position.refresh_from_db()
    assert position.ended_on is None


def test_the_tallies_follow_the_member(tree, city_staff):
    member = placed_member(tree.city_cell)
    before = active_in(tree.city_cell), active_in(tree.city_cell_2)
    move(member, tree.city_cell_2, acting_user=city_staff)
    assert active_in(tree.city_cell) == before[0] - 1
    assert active_in(tree.city_cell_2) == before[1] + 1
    assert tallies_agree()


def test_it_refuses_a_destination_outside_the_scope(tree, city_staff):
    member = placed_member(tree.city_cell)
    with pytest.raises(PermissionDenied):
        move(member, tree.district_cell, acting_user=city_staff)
    member.refresh_from_db()
    assert member.organization == tree.city_cell
    assert not Transfer.objects.exists()


def test_it_refuses_a_member_outside_the_scope(tree, outsider):
    member = placed_member(tree.city_cell)
    with pytest.raises(PermissionDenied):
        move(member, tree.city_cell_2, acting_user=outsider)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"effective_on": date(2099, 1, 1)}, "effective_on"),
        ({"effective_on": date(2000, 1, 1)}, "effective_on"),  # before admission
        ({"reason": "  "}, "reason"),
    ],
)
def test_it_refuses_bad_input(tree, city_staff, change, field):
    member = placed_member(tree.city_cell)
    arguments = {
        "acting_user": city_staff,
        "member": member,
        "to": tree.city_cell_2,
        "effective_on": days_ago(1),
        "reason": "Chuyển",
        **change,
    }
    with pytest.raises(ValidationError) as caught:
        transfers.move_member(**arguments)
    assert field in caught.value.message_dict
    assert not Transfer.objects.exists()


def test_it_refuses_a_date_before_the_current_placement(tree, city_staff):
    member = placed_member(tree.city_cell)
    move(member, tree.city_cell_2, acting_user=city_staff, effective_on=days_ago(5))
    with pytest.raises(ValidationError) as caught:
        move(member, tree.city_cell, acting_user=city_staff, effective_on=days_ago(9))
    assert "belongs to" in caught.value.message_dict["effective_on"][0]


def test_it_refuses_a_non_holding_kind_the_same_cell_and_an_inactive_member(
    tree, city_staff
):
    member = placed_member(tree.city_cell)
    for to in (tree.city_grassroots, tree.city_cell):
        with pytest.raises(ValidationError) as caught:
            move(member, to, acting_user=city_staff)
        assert "to" in caught.value.message_dict
    gone = placed_member(
        tree.city_cell,
        status=MemberStatus.DECEASED,
        status_changed_on=date(2020, 1, 1),
    )
    with pytest.raises(ValidationError, match="not an active party member"):
        move(gone, tree.city_cell_2, acting_user=city_staff)


def test_a_member_in_transfer_is_not_moved(tree, city_staff):
    member = placed_member(tree.city_cell)
    issue(member, tree.district_cell, acting_user=city_staff)
    with pytest.raises(ValidationError, match="in transfer"):
        move(member, tree.city_cell_2, acting_user=city_staff)


def test_a_position_that_starts_after_the_date_is_refused(
    tree, city_staff, other_grassroots_cell
):
    member = placed_member(tree.city_cell)
    position = seat(member, tree.city_grassroots)
    Position.objects.filter(pk=position.pk).update(started_on=today())
    with pytest.raises(ValidationError, match="correct it first"):
        move(member, other_grassroots_cell, acting_user=city_staff)
