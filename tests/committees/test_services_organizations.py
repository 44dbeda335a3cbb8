"""create_organization / update_organization: parent kinds, scope, history."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from committees import services
from committees.models import (
    ALLOWED_PARENT_KINDS,
    Organization,
    OrganizationKind,
    OrganizationStatus,
)
from tests.factories import K, org

_codes = itertools.count(1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def make(kind: str) -> Organization:
    """An organization of ``kind`` under a valid chain of ancestors."""
    parent_kinds = sorted(k for k in ALLOWED_PARENT_KINDS[kind] if k is not None)
    parent = make(parent_kinds[0]) if parent_kinds else None
    return org(parent, kind, f"{kind} {next(_codes)}", f"O-{next(_codes)}")


ALLOWED_PAIRS = sorted(
    (kind, parent_kind)
    for kind, parents in ALLOWED_PARENT_KINDS.items()
    for parent_kind in parents
    if parent_kind is not None
)


def test_every_kind_has_a_rule():
    assert set(ALLOWED_PARENT_KINDS) == set(OrganizationKind.values)


@pytest.mark.parametrize(("kind", "parent_kind"), ALLOWED_PAIRS)
def test_it_accepts_every_allowed_parent_kind(db, kind, parent_kind):
    parent = make(parent_kind)
    child = services.create_organization(
        acting_user=None, parent=parent, name="Child", code="CHILD-1", kind=kind
    )
    child.refresh_from_db()
    assert Organization.objects.get_parent(child) == parent
    assert child.depth == parent.depth + 1


def test_a_province_is_a_root(db):
    province = services.create_organization(
        acting_user=None, parent=None, name="Tỉnh ủy", code="TU", kind=K.PROVINCE
    )
    assert province.depth == 1


@pytest.mark.parametrize(
    ("kind", "parent_kind", "message"),
    [
        (
            K.GRASSROOTS_COMMITTEE,
            K.CELL,
            "A Party cell cannot hold a Grassroots party committee.",
        ),
        (K.CELL, K.CELL, "A Party cell cannot hold a Party cell."),
        (
            K.CELL,
            K.DISTRICT,
            "A District-level party committee cannot hold a Party cell.",
        ),
        (
            K.PARTY_GROUP,
            K.GRASSROOTS_COMMITTEE,
            "A Grassroots party committee cannot hold a Party group.",
        ),
        (
            K.PROVINCE,
            K.PROVINCE,
            "A Provincial Party Committee cannot hold a Provincial Party Committee.",
        ),
        (
            K.DISTRICT,
            K.DISTRICT,
            "A District-level party committee cannot hold a "
            "District-level party committee.",
        ),
    ],
)
def test_it_refuses_a_forbidden_parent_kind_with_a_message(
    db, kind, parent_kind, message
):
    parent = make(parent_kind)
    before = Organization.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.create_organization(
            acting_user=None, parent=parent, name="Wrong", code="WRONG", kind=kind
        )
    assert refused.value.message_dict["kind"] == [message]
    assert Organization.objects.count() == before


def test_a_party_group_sits_in_a_cell(db):
    for parent_kind in (K.CELL, K.GRASSROOTS_CELL):
        group = services.create_organization(
            acting_user=None,
            parent=make(parent_kind),
            name="Tổ đảng",
            code=f"TD-{parent_kind}".upper().replace("_", "-"),
            kind=K.PARTY_GROUP,
        )
        assert group.kind == K.PARTY_GROUP


def test_it_refuses_a_district_without_a_parent(db):
    with pytest.raises(ValidationError) as refused:
        services.create_organization(
            acting_user=None, parent=None, name="Huyện ủy", code="HU", kind=K.DISTRICT
        )
    assert refused.value.message_dict["parent"] == [
        "A District-level party committee needs a parent organization."
    ]


def test_it_refuses_a_child_of_an_ended_organization(tree):
    Organization.objects.filter(pk=tree.city_grassroots.pk).update(
        status=OrganizationStatus.DISSOLVED, ended_on="2024-12-31"
    )
    with pytest.raises(ValidationError) as refused:
        services.create_organization(
            acting_user=None,
            parent=tree.city_grassroots,
            name="Chi bộ mới",
            code="CB-NEW",
            kind=K.CELL,
        )
    assert "no longer active" in refused.value.message_dict["parent"][0]


def test_it_refuses_a_parent_outside_the_scope(tree, city_staff):
    with pytest.raises(PermissionDenied):
        services.create_organization(
            acting_user=city_staff,
            parent=tree.district_grassroots,
            name="Chi bộ",
            code="CB-X",
            kind=K.CELL,
        )
    assert not Organization.objects.filter(code="CB-X").exists()


def test_only_a_superuser_creates_a_root(db, city_staff, admin_user):
    with pytest.raises(PermissionDenied):
        services.create_organization(
            acting_user=city_staff,
            parent=None,
            name="Tỉnh ủy khác",
            code="TU-2",
            kind=K.PROVINCE,
        )
    root = services.create_organization(
        acting_user=admin_user,
        parent=None,
        name="Tỉnh ủy khác",
        code="TU-2",
        kind=K.PROVINCE,
    )
    assert root.depth == 1


def test_codes_are_stored_in_capitals_and_unique(tree):
    created = services.create_organization(
        acting_user=None,
        parent=tree.city_grassroots,
        name="Chi bộ 3",
        code=" tp-bg-tp-3 ",
        kind=K.CELL,
    )
    assert created.code == "TP-BG-TP-3"
    with pytest.raises(ValidationError) as refused:
        services.create_organization(
            acting_user=None,
            parent=tree.city_grassroots,
            name="Chi bộ 3 bis",
            code="TP-BG-TP-3",
            kind=K.CELL,
        )
    assert "code" in refused.value.message_dict


def test_the_search_key_is_the_folded_name(tree):
    assert tree.city_grassroots.search_key == "dang bo phuong tran phu"


def test_update_changes_the_name_and_records_who(tree, city_staff):
    services.update_organization(
        acting_user=city_staff, organization=tree.city_cell, name="Chi bộ khu 1"
    )
    tree.city_cell.refresh_from_db()
    assert tree.city_cell.name == "Chi bộ khu 1"
    assert tree.city_cell.search_key == "chi bo khu 1"
    latest = tree.city_cell.history.first()
    assert latest.history_user == city_staff
    assert latest.name == "Chi bộ khu 1"


def test_update_refuses_to_change_the_kind(tree):
    with pytest.raises(ValueError):
        services.update_organization(
            acting_user=None, organization=tree.city_cell, kind=K.GRASSROOTS_CELL
        )


def test_update_refuses_an_organization_outside_the_scope(tree, city_staff):
    with pytest.raises(PermissionDenied):
        services.update_organization(
            acting_user=city_staff, organization=tree.district_cell, name="X"
        )
    tree.district_cell.refresh_from_db()
    assert tree.district_cell.name == "Chi bộ thôn Đồng Tâm"
