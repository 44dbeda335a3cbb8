"""move_organization, rename_organization, change_organization_kind: dated,
recorded, checked against the allowed parent kinds."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from committees import restructuring, services
from committees.models import BEGINNING, Organization, RestructuringKind, Role
from tests.committees.restructure import (
    DAY,
    DECISION,
    parent_of,
    reasons,
    record,
    seat,
    snapshot,
    versions,
)
from tests.factories import K, MemberFactory, org


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# ---------------------------------------------------------------- move


def test_a_subtree_moves_under_another_parent(tree, province_staff, city_member):
    result = restructuring.move_organization(
        acting_user=province_staff,
        organization=tree.city_grassroots,
        new_parent=tree.district,
        **record(),
    )
    assert parent_of(tree.city_grassroots) == tree.district
    tree.city_cell.refresh_from_db()
    assert tree.district.contains(tree.city_cell)  # everything below came along
    city_member.refresh_from_db()
    assert city_member.organization == tree.city_cell
    assert result.kind == RestructuringKind.MOVE
    assert set(result.links.values_list("organization", "role")) == {
        (tree.city_grassroots.pk, "moved"),
        (tree.city.pk, "source"),
        (tree.district.pk, "target"),
    }
    assert versions(tree.city_grassroots)[-2][:3] == (BEGINNING, DAY, tree.city.pk)
    assert versions(tree.city_grassroots)[-1][:3] == (DAY, None, tree.district.pk)
    # a cell's own version did not change: its parent is the same
    assert len(versions(tree.city_cell)) == 1
    for organization in (tree.city_grassroots, tree.city, tree.district):
        assert reasons(organization)[0] == f"Move {DECISION}", organization
    assert result.summary["organizations_moved"] == 3
    assert result.summary["active_members_moved"] == 1


def test_seats_in_the_old_superiors_end_and_others_stay(
    tree, province_staff, city_member
):
    in_city = seat(city_member, tree.city)
    in_ward = seat(city_member, tree.city_grassroots, Role.SECRETARY)
    in_province = seat(city_member, tree.province)
    restructuring.move_organization(
        acting_user=province_staff,
        organization=tree.city_grassroots,
        new_parent=tree.district,
        **record(),
    )
    for position, ended in ((in_city, DAY), (in_ward, None), (in_province, None)):
        position.refresh_from_db()
        assert position.ended_on == ended


def test_a_commune_committee_moves_under_the_province_as_a_commune(
    tree, province_staff
):
    restructuring.move_organization(
        acting_user=province_staff,
        organization=tree.district_grassroots,
        new_parent=tree.province,
        new_kind=K.COMMUNE,
        **record(),
    )
    commune = tree.district_grassroots
    commune.refresh_from_db()
    assert commune.kind == K.COMMUNE
    assert parent_of(commune) == tree.province
    assert versions(commune)[-1][:3] == (DAY, None, tree.province.pk)
    assert versions(commune)[-1][4] == K.COMMUNE
    assert versions(commune)[-2][4] == K.GRASSROOTS_COMMITTEE


def test_it_refuses_a_parent_kind_that_may_not_hold_it(tree, province_staff):
    with pytest.raises(ValidationError) as error:
        restructuring.move_organization(
            acting_user=province_staff,
            organization=tree.district_grassroots,
            new_parent=tree.province,
            **record(),
        )
    assert "cannot hold" in str(error.value.message_dict["new_parent"])


def test_it_refuses_a_move_under_itself_or_where_it_is(tree, province_staff):
    for parent in (tree.city_grassroots, tree.city_cell, tree.city):
        with pytest.raises(ValidationError):
            restructuring.move_organization(
                acting_user=province_staff,
                organization=tree.city_grassroots,
                new_parent=parent,
                **record(),
            )


def test_it_refuses_a_new_parent_outside_the_scope(tree, city_staff):
    with pytest.raises(PermissionDenied):
        restructuring.move_organization(
            acting_user=city_staff,
            organization=tree.city_cell_2,
            new_parent=tree.district_grassroots,
            **record(),
        )


def test_a_failure_half_way_changes_nothing(
    tree, province_staff, city_member, monkeypatch
):
    seat(city_member, tree.city)
    before = snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("timeout")

    monkeypatch.setattr(
        restructuring.RestructuringOrganization.objects, "bulk_create", broken
    )
    with pytest.raises(RuntimeError):
        restructuring.move_organization(
            acting_user=province_staff,
            organization=tree.city_grassroots,
            new_parent=tree.district,
            **record(),
        )
    assert snapshot() == before


# ---------------------------------------------------------------- rename


def test_a_renaming_is_dated(tree, city_staff):
    old = tree.city_grassroots.name
    result = restructuring.rename_organization(
        acting_user=city_staff,
        organization=tree.city_grassroots,
        name="  Đảng bộ   phường Bắc Giang ",
        **record(),
    )
    tree.city_grassroots.refresh_from_db()
    assert tree.city_grassroots.name == "Đảng bộ phường Bắc Giang"
    assert tree.city_grassroots.search_key == "dang bo phuong bac giang"
    assert [v[3] for v in versions(tree.city_grassroots)] == [
        old,
        "Đảng bộ phường Bắc Giang",
    ]
    assert result.kind == RestructuringKind.RENAME
    assert reasons(tree.city_grassroots)[0] == f"Renaming {DECISION}"
    assert result.summary["changes"] == [f"Name: {old} → Đảng bộ phường Bắc Giang"]


def test_two_changes_on_one_day_make_one_version(tree, province_staff):
    restructuring.rename_organization(
        acting_user=province_staff,
        organization=tree.district_grassroots,
        name="Đảng bộ xã Hiệp Hòa",
        **record(),
    )
    restructuring.move_organization(
        acting_user=province_staff,
        organization=tree.district_grassroots,
        new_parent=tree.province,
        new_kind=K.COMMUNE,
        **record(),
    )
    assert versions(tree.district_grassroots) == [
        (
            BEGINNING,
            DAY,
            tree.district.pk,
            "Đảng bộ xã Đức Thắng",
            K.GRASSROOTS_COMMITTEE,
            "active",
        ),
        (DAY, None, tree.province.pk, "Đảng bộ xã Hiệp Hòa", K.COMMUNE, "active"),
    ]


def test_it_refuses_the_same_name(tree, city_staff):
    with pytest.raises(ValidationError):
        restructuring.rename_organization(
            acting_user=city_staff,
            organization=tree.city_grassroots,
            name=tree.city_grassroots.name,
            **record(),
        )


def test_a_later_date_after_an_earlier_one_is_fine_and_not_before(tree, city_staff):
    restructuring.rename_organization(
        acting_user=city_staff,
        organization=tree.city_cell,
        name="A",
        **record(effective_on=date(2024, 1, 1)),
    )
    restructuring.rename_organization(
        acting_user=city_staff, organization=tree.city_cell, name="B", **record()
    )
    with pytest.raises(ValidationError):
        restructuring.rename_organization(
            acting_user=city_staff,
            organization=tree.city_cell,
            name="C",
            **record(effective_on=date(2024, 6, 1)),
        )
    assert [v[3] for v in versions(tree.city_cell)] == [
        "Chi bộ tổ dân phố số 1",
        "A",
        "B",
    ]


def test_a_date_before_the_establishment_is_refused(tree, city_staff):
    young = services.create_organization(
        acting_user=None,
        parent=tree.city_grassroots,
        name="Chi bộ mới",
        code="NEW-1",
        kind=K.CELL,
        established_on=date(2025, 1, 1),
    )
    assert versions(young)[0][0] == date(2025, 1, 1)
    with pytest.raises(ValidationError) as error:
        restructuring.rename_organization(
            acting_user=city_staff,
            organization=young,
            name="X",
            **record(effective_on=date(2024, 12, 31)),
        )
    assert "01/01/2025" in str(error.value.message_dict["effective_on"])


# ---------------------------------------------------------------- kind


def test_a_change_of_kind_is_dated(tree, city_staff):
    lone = org(tree.city, K.GRASSROOTS_CELL, "Chi bộ Trường THPT", "THPT")
    restructuring.change_organization_kind(
        acting_user=city_staff,
        organization=lone,
        kind=K.GRASSROOTS_COMMITTEE,
        **record(),
    )
    lone.refresh_from_db()
    assert lone.kind == K.GRASSROOTS_COMMITTEE
    assert [v[4] for v in versions(lone)] == [K.GRASSROOTS_CELL, K.GRASSROOTS_COMMITTEE]


def test_a_change_of_kind_must_fit_the_parent_and_the_children(tree, city_staff):
    with pytest.raises(ValidationError) as error:
        restructuring.change_organization_kind(
            acting_user=city_staff,
            organization=tree.city_grassroots,
            kind=K.COMMUNE,
            **record(),
        )
    assert "cannot hold" in str(error.value.message_dict["kind"])
    with pytest.raises(ValidationError) as error:
        restructuring.change_organization_kind(
            acting_user=city_staff,
            organization=tree.city_grassroots,
            kind=K.GRASSROOTS_CELL,
            **record(),
        )
    assert "Chi bộ tổ dân phố số 1" in str(error.value.message_dict["kind"])


def test_a_commune_committee_finalizes_the_ratings_of_its_cells(
    tree, province_staff, client
):
    restructuring.move_organization(
        acting_user=province_staff,
        organization=tree.district_grassroots,
        new_parent=tree.province,
        new_kind=K.COMMUNE,
        **record(),
    )
    member = MemberFactory(organization=tree.district_cell)
    member.refresh_from_db()  # its cell's path changed with the move
    commune = Organization.objects.get(pk=tree.district_grassroots.pk)
    assert services.rating_unit(member=member) == commune
    client.force_login(province_staff)
    page = client.get(f"/organizations/{commune.pk}/ratings/2024/")
    assert page.status_code == 200
    from_cell = client.get(f"/organizations/{tree.district_cell.pk}/ratings/2024/")
    assert from_cell.status_code == 302
