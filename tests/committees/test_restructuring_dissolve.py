"""dissolve_organization / preview_dissolve: refused while anything remains,
unless a target receives it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from committees import restructuring
from committees.models import OrganizationStatus, Role
from portal.models import User
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
from tests.factories import K, MemberFactory, org, user


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_an_empty_organization_is_dissolved_where_it_stands(tree, city_staff):
    empty = org(tree.city_grassroots, K.CELL, "Chi bộ tổ dân phố số 7", "TP-7")
    keeper = user("seven", empty)
    result = restructuring.dissolve_organization(
        acting_user=city_staff, organization=empty, **record()
    )
    empty.refresh_from_db()
    assert empty.status == OrganizationStatus.DISSOLVED
    assert empty.ended_on == DAY
    assert empty.merged_into is None
    assert parent_of(empty) == tree.city_grassroots
    assert versions(empty)[-1][0:2] == (DAY, None)
    assert versions(empty)[-1][-1] == "dissolved"
    assert reasons(empty)[0] == f"Dissolution {DECISION}"
    keeper.refresh_from_db()
    assert keeper.scope == empty  # nowhere to go: listed in the preview
    assert result.summary["organizations_ended"] == 1


def test_it_refuses_while_anything_remains(tree, city_staff, city_member):
    with pytest.raises(ValidationError) as error:
        restructuring.dissolve_organization(
            acting_user=city_staff, organization=tree.city_grassroots, **record()
        )
    assert "choose where they go" in str(error.value.message_dict["target"])
    with pytest.raises(ValidationError):
        restructuring.dissolve_organization(
            acting_user=city_staff, organization=tree.city_cell, **record()
        )


def test_what_remains_goes_to_the_target(tree, province_staff, city_member):
    secretary = seat(city_member, tree.city, Role.SECRETARY)
    city_office = User.objects.get(username="province")  # keeps its scope
    user("citystaff", tree.city)
    result = restructuring.dissolve_organization(
        acting_user=province_staff,
        organization=tree.city,
        target=tree.district,
        **record(),
    )
    assert parent_of(tree.city_grassroots) == tree.district
    tree.city.refresh_from_db()
    assert tree.city.status == OrganizationStatus.DISSOLVED
    assert parent_of(tree.city) == tree.province  # a dissolved one stays put
    secretary.refresh_from_db()
    assert secretary.ended_on == DAY
    assert User.objects.get(username="citystaff").scope == tree.district
    assert city_office.scope == tree.province
    assert result.summary["staff_rescoped"] == ["citystaff"]
    assert set(result.links.values_list("organization", "role")) == {
        (tree.city.pk, "source"),
        (tree.district.pk, "target"),
        (tree.city_grassroots.pk, "moved"),
    }


def test_a_target_must_hold_what_remains(tree, province_staff):
    MemberFactory(organization=tree.city_cell)
    with pytest.raises(ValidationError) as error:
        restructuring.dissolve_organization(
            acting_user=province_staff,
            organization=tree.city_cell,
            target=tree.district_grassroots,
            **record(),
        )
    assert "cannot receive them" in str(error.value)


def test_it_refuses_outside_the_scope(tree, city_staff):
    with pytest.raises(PermissionDenied):
        restructuring.dissolve_organization(
            acting_user=city_staff,
            organization=tree.city_cell_2,
            target=tree.district_cell,
            **record(),
        )


def test_a_failure_half_way_changes_nothing(
    tree, province_staff, city_member, monkeypatch
):
    seat(city_member, tree.city, Role.SECRETARY)
    user("citystaff", tree.city)
    before = snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(restructuring, "_move_node", broken)
    with pytest.raises(RuntimeError):
        restructuring.dissolve_organization(
            acting_user=province_staff,
            organization=tree.city,
            target=tree.district,
            **record(),
        )
    assert snapshot() == before
