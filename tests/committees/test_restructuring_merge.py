"""merge_organizations / preview_merge: what moves, what stays, the lineage,
the history rows, the record; refusals; a failure half-way changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from committees import restructuring, services, timeline
from committees.models import (
    BEGINNING,
    MemberStatus,
    Organization,
    OrganizationStatus,
    Position,
    Rating,
    Restructuring,
    RestructuringKind,
    Role,
)
from committees.restructuring import NewOrganization
from portal.models import User
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
from tests.factories import K, MemberFactory, org, user


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def merged(tree, city_member, province_staff):
    """The city's ward committee merged into the district's commune committee,
    with seats, a rating and staff of its own before."""
    secretary = seat(city_member, tree.city_grassroots, Role.SECRETARY)
    city_seat = seat(city_member, tree.city)
    province_seat = seat(city_member, tree.province)
    services.rate(
        acting_user=None, organization=tree.city_grassroots, year=2024, grade="good"
    )
    ward_staff = user("ward", tree.city_grassroots)
    result = restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_grassroots],
        target=tree.district_grassroots,
        **record(),
    )
    return {
        "restructuring": result,
        "secretary": secretary,
        "city_seat": city_seat,
        "province_seat": province_seat,
        "ward_staff": ward_staff,
    }


def test_children_move_to_the_target_with_their_members(tree, merged, city_member):
    for cell in (tree.city_cell, tree.city_cell_2):
        assert parent_of(cell) == tree.district_grassroots
    city_member.refresh_from_db()
    assert city_member.organization == tree.city_cell  # the cell moved, not them
    assert tree.district_grassroots.contains(city_member.organization)


def test_the_source_is_merged_into_the_target_and_rests_under_it(tree, merged):
    source = tree.city_grassroots
    source.refresh_from_db()
    assert source.status == OrganizationStatus.MERGED
    assert source.ended_on == DAY
    assert source.merged_into == tree.district_grassroots
    assert parent_of(source) == tree.district_grassroots
    assert list(tree.district_grassroots.merged_from.all()) == [source]
    # nothing is left under it
    assert not Organization.objects.filter(
        path__startswith=source.path, depth=source.depth + 1
    ).exists()


def test_its_open_positions_and_seats_left_behind_end_on_the_effective_date(
    tree, merged
):
    for key in ("secretary", "city_seat"):
        merged[key].refresh_from_db()
        assert merged[key].ended_on == DAY, key
    # the province is still above the member: that seat stays
    merged["province_seat"].refresh_from_db()
    assert merged["province_seat"].ended_on is None


def test_its_ratings_and_past_positions_stay_its_own(tree, merged):
    assert Rating.objects.filter(organization=tree.city_grassroots).count() == 1
    assert Position.objects.filter(organization=tree.city_grassroots).count() == 1


def test_staff_of_the_source_are_rescoped_to_the_target(tree, merged):
    staff = User.objects.get(username="ward")
    assert staff.scope == tree.district_grassroots
    assert merged["restructuring"].summary["staff_rescoped"] == ["ward"]
    # others keep theirs
    assert User.objects.get(username="province").scope == tree.province


def test_the_restructuring_records_who_when_what(tree, merged, province_staff):
    result: Restructuring = merged["restructuring"]
    assert result.kind == RestructuringKind.MERGE
    assert result.effective_on == DAY
    assert result.decision_number == DECISION
    assert result.created_by == province_staff
    links = {(link.organization_id, link.role) for link in result.links.all()}
    assert links == {
        (tree.city_grassroots.pk, "source"),
        (tree.district_grassroots.pk, "target"),
        (tree.city_cell.pk, "moved"),
        (tree.city_cell_2.pk, "moved"),
    }
    assert result.summary["organizations_moved"] == 2
    assert result.summary["active_members_moved"] == 1
    assert result.summary["positions_ended"] == 2
    assert result.summary["organizations_ended"] == 1


def test_every_organization_touched_has_a_history_row_naming_it(tree, merged):
    expected = f"Merger {DECISION}"
    for organization in (
        tree.city_grassroots,
        tree.district_grassroots,
        tree.city_cell,
        tree.city_cell_2,
    ):
        assert reasons(organization)[0] == expected, organization
    source = tree.city_grassroots.history.first()
    assert source.status == "merged"
    assert source.history_user.username == "province"


def test_the_dated_history_has_new_versions(tree, merged):
    cell, ward = "Chi bộ tổ dân phố số 1", "Đảng bộ phường Trần Phú"
    moved_to = tree.district_grassroots.pk
    assert versions(tree.city_cell) == [
        (BEGINNING, DAY, tree.city_grassroots.pk, cell, K.CELL, "active"),
        (DAY, None, moved_to, cell, K.CELL, "active"),
    ]
    assert versions(tree.city_grassroots) == [
        (BEGINNING, DAY, tree.city.pk, ward, K.GRASSROOTS_COMMITTEE, "active"),
        (DAY, None, moved_to, ward, K.GRASSROOTS_COMMITTEE, "merged"),
    ]
    # the target itself did not change
    assert len(versions(tree.district_grassroots)) == 1


def test_merging_cells_moves_their_members_with_history_and_placements(
    tree, province_staff
):
    members = [
        MemberFactory(
            organization=tree.city_cell_2,
            admitted_on=date(2012, 1, 5),
            official_on=date(2013, 1, 5),
        ),
        MemberFactory(
            organization=tree.city_cell_2,
            status=MemberStatus.DECEASED,
            status_changed_on=date(2020, 1, 1),
        ),
    ]
    for member in members:
        timeline.place_new_member(member)
    result = restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_cell_2],
        target=tree.city_cell,
        **record(),
    )
    for member in members:
        member.refresh_from_db()
        assert member.organization == tree.city_cell
        assert member.history.first().history_change_reason == f"Merger {DECISION}"
        assert placements(member) == [
            (tree.city_cell_2.pk, member.admitted_on, DAY),
            (tree.city_cell.pk, DAY, None),
        ]
    assert result.summary["member_records_moved"] == 2
    assert result.summary["active_members_moved"] == 1


def test_a_member_without_placements_gets_the_implied_history(tree, province_staff):
    member = MemberFactory(organization=tree.city_cell_2)  # around the services
    restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_cell_2],
        target=tree.city_cell,
        **record(),
    )
    assert placements(member) == [
        (tree.city_cell_2.pk, member.admitted_on, DAY),
        (tree.city_cell.pk, DAY, None),
    ]


def test_it_merges_two_organizations_into_a_new_one(tree, admin_user):
    result = restructuring.merge_organizations(
        acting_user=admin_user,
        sources=[tree.city, tree.district],
        new_target=NewOrganization(
            "Đảng bộ thành phố Bắc Giang mới", "tp-bg-2025", K.DISTRICT, tree.province
        ),
        **record(),
    )
    new = Organization.objects.get(code="TP-BG-2025")
    assert new.established_on == DAY
    assert parent_of(new) == tree.province
    assert parent_of(tree.city_grassroots) == new
    assert parent_of(tree.district_grassroots) == new
    for source in (tree.city, tree.district):
        source.refresh_from_db()
        assert source.merged_into == new
        assert parent_of(source) == new
    assert versions(new) == [
        (DAY, None, tree.province.pk, new.name, K.DISTRICT, "active")
    ]
    assert (new.pk, "target") in set(result.links.values_list("organization", "role"))


def test_provinces_merge_into_a_new_root(tree, admin_user):
    other = org(None, K.PROVINCE, "Đảng bộ tỉnh Bắc Ninh", "TU-BN")
    restructuring.merge_organizations(
        acting_user=None,
        sources=[tree.province, other],
        new_target=NewOrganization(
            "Đảng bộ tỉnh Bắc Ninh", "TU-BN-2025", K.PROVINCE, None
        ),
        **record(),
    )
    root = Organization.objects.get(code="TU-BN-2025")
    assert root.depth == 1
    assert parent_of(tree.city) == root
    assert parent_of(tree.province) == root


def test_the_preview_counts_what_would_move_and_writes_nothing(
    tree, city_member, province_staff
):
    seat(city_member, tree.city_grassroots, Role.SECRETARY)
    user("ward", tree.city_grassroots)
    before = snapshot()
    preview = restructuring.preview_merge(
        acting_user=province_staff,
        sources=[tree.city_grassroots],
        target=tree.district_grassroots,
        **record(),
    )
    assert snapshot() == before
    counts = {line.key: line.count for line in preview.lines}
    assert counts["organizations"] == 2
    assert counts["members"] == 1
    assert counts["positions"] == 1
    assert counts["staff"] == 1
    assert counts["ending"] == 1
    assert [u.username for u in preview.staff] == ["ward"]
    assert preview.destination == str(tree.district_grassroots)
    again = restructuring.preview_merge(
        acting_user=province_staff,
        sources=[tree.city_grassroots],
        target=tree.district_grassroots,
        **record(),
    )
    assert again.digest() == preview.digest()


def test_a_failure_half_way_changes_nothing(
    tree, city_member, province_staff, monkeypatch
):
    seat(city_member, tree.city_grassroots, Role.SECRETARY)
    user("ward", tree.city_grassroots)
    before = snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    # a late step: positions have ended, organizations and members have moved
    monkeypatch.setattr(
        restructuring.signals.organizations_restructured, "send", broken
    )
    with pytest.raises(RuntimeError):
        restructuring.merge_organizations(
            acting_user=province_staff,
            sources=[tree.city_grassroots],
            target=tree.district_grassroots,
            **record(),
        )
    assert snapshot() == before


# ---------------------------------------------------------------- refusals


def test_it_refuses_an_actor_who_does_not_see_every_organization(tree, city_staff):
    with pytest.raises(PermissionDenied):
        restructuring.merge_organizations(
            acting_user=city_staff,
            sources=[tree.city_grassroots],
            target=tree.district_grassroots,
            **record(),
        )


def test_it_refuses_a_target_that_may_not_hold_the_children(tree, province_staff):
    with pytest.raises(ValidationError) as error:
        restructuring.merge_organizations(
            acting_user=province_staff,
            sources=[tree.city_grassroots],
            target=tree.district,
            **record(),
        )
    assert "cannot hold a Party cell" in str(error.value.message_dict["target"])


def test_it_refuses_members_for_a_target_that_holds_no_members(tree, province_staff):
    MemberFactory(organization=tree.city_cell)
    with pytest.raises(ValidationError) as error:
        restructuring.merge_organizations(
            acting_user=province_staff,
            sources=[tree.city_cell],
            target=tree.district_grassroots,
            **record(),
        )
    assert "cannot receive them" in str(error.value.message_dict["target"])


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"decision_number": "quyết định 381"},
            "decision_number",
            "number-kind/issuer",
        ),
        ({"reason": "  "}, "reason", "Say why"),
        ({"effective_on": date(2999, 1, 1)}, "effective_on", "future"),
    ],
)
def test_it_refuses_a_bad_decision(tree, province_staff, change, field, message):
    with pytest.raises(ValidationError) as error:
        restructuring.merge_organizations(
            acting_user=province_staff,
            sources=[tree.city_grassroots],
            target=tree.district_grassroots,
            **record(**change),
        )
    assert message in str(error.value.message_dict[field])


def test_it_refuses_a_date_before_the_last_recorded_change(tree, province_staff):
    restructuring.rename_organization(
        acting_user=province_staff,
        organization=tree.city_grassroots,
        name="Đảng bộ phường Bắc Giang",
        **record(),
    )
    with pytest.raises(ValidationError) as error:
        restructuring.merge_organizations(
            acting_user=province_staff,
            sources=[tree.city_grassroots],
            target=tree.district_grassroots,
            **record(effective_on=date(2025, 6, 30)),
        )
    assert "01/07/2025" in str(error.value.message_dict["effective_on"])


def test_it_refuses_merging_into_itself_or_into_something_inside(tree, province_staff):
    for target in (tree.city_grassroots, tree.city_cell):
        with pytest.raises(ValidationError):
            restructuring.merge_organizations(
                acting_user=province_staff,
                sources=[tree.city_grassroots],
                target=target,
                **record(),
            )


def test_it_refuses_an_organization_that_already_ended(tree, province_staff):
    restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_cell_2],
        target=tree.city_cell,
        **record(),
    )
    with pytest.raises(ValidationError) as error:
        restructuring.merge_organizations(
            acting_user=province_staff,
            sources=[tree.city_cell_2],
            target=tree.city_cell,
            **record(),
        )
    assert "no longer active" in str(error.value.message_dict["sources"])


def test_it_refuses_a_taken_code_for_a_new_target(tree, province_staff):
    with pytest.raises(ValidationError) as error:
        restructuring.merge_organizations(
            acting_user=province_staff,
            sources=[tree.city],
            new_target=NewOrganization("X", "HU-HH", K.DISTRICT, tree.province),
            **record(),
        )
    assert "already taken" in str(error.value.message_dict["new_code"])


def test_only_a_superuser_merges_into_a_new_root(tree, province_staff):
    with pytest.raises(PermissionDenied):
        restructuring.merge_organizations(
            acting_user=province_staff,
            sources=[tree.province],
            new_target=NewOrganization("X", "TU-X", K.PROVINCE, None),
            **record(),
        )


def test_a_position_starting_after_the_effective_date_is_refused(
    tree, city_member, province_staff
):
    position = seat(city_member, tree.city_grassroots, Role.SECRETARY)
    Position.objects.filter(pk=position.pk).update(started_on=date(2025, 8, 1))
    with pytest.raises(ValidationError) as error:
        restructuring.merge_organizations(
            acting_user=province_staff,
            sources=[tree.city_grassroots],
            target=tree.district_grassroots,
            **record(),
        )
    assert "01/08/2025" in str(error.value.message_dict["effective_on"])
