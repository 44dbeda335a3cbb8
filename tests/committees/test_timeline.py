"""The dated history beside the tree (committees.timeline): written by
create_organization, update_organization, create_member and update_member
too, and by the data migration for what existed before."""

from __future__ import annotations

import importlib
from datetime import date, timedelta

from django.apps import apps as django_apps
from django.utils import timezone

from committees import services, timeline
from committees.models import (
    BEGINNING,
    MemberPlacement,
    Organization,
    OrganizationVersion,
)
from committees.restructuring_selectors import members_on
from tests.committees.restructure import placements, versions
from tests.factories import K, MemberFactory


def test_a_new_organization_gets_its_first_version(tree):
    dated = services.create_organization(
        acting_user=None,
        parent=tree.city_grassroots,
        name="Chi bộ mới",
        code="NEW",
        kind=K.CELL,
        established_on=date(2020, 5, 1),
    )
    assert versions(dated) == [
        (
            date(2020, 5, 1),
            None,
            tree.city_grassroots.pk,
            "Chi bộ mới",
            K.CELL,
            "active",
        )
    ]
    assert versions(tree.province)[0][:3] == (BEGINNING, None, None)


def test_a_correction_is_not_dated(tree, city_staff):
    services.update_organization(
        acting_user=city_staff,
        organization=tree.city_cell,
        name="Chi bộ tổ dân phố số 1 (sửa lỗi chính tả)",
        established_on=date(1990, 1, 1),
    )
    assert versions(tree.city_cell) == [
        (
            date(1990, 1, 1),
            None,
            tree.city_grassroots.pk,
            "Chi bộ tổ dân phố số 1 (sửa lỗi chính tả)",
            K.CELL,
            "active",
        )
    ]


def test_a_superusers_move_corrects_the_open_version(tree):
    Organization.objects.move(tree.city_cell, tree.city_grassroots, "last-child")
    Organization.objects.move(
        Organization.objects.get(pk=tree.city_cell.pk),
        tree.district_grassroots,
        "last-child",
    )
    cell = Organization.objects.get(pk=tree.city_cell.pk)
    timeline.correct_current_version(cell, parent_too=True)
    assert versions(cell)[0][2] == tree.district_grassroots.pk
    assert len(versions(cell)) == 1


def test_a_new_member_is_placed_from_admission(tree):
    member = services.create_member(
        acting_user=None,
        full_name="Lê Thị Mai",
        birth_date=date(1990, 1, 1),
        gender="female",
        card_number="12345678",
        admitted_on=date(2015, 3, 2),
        official_on=date(2016, 3, 2),
        status="official",
        organization=tree.city_cell,
    )
    assert placements(member) == [(tree.city_cell.pk, date(2015, 3, 2), None)]


def test_a_member_moved_by_an_edit_counts_in_the_old_cell_before_today(
    tree, city_staff
):
    member = MemberFactory(organization=tree.city_cell)
    timeline.place_new_member(member)
    services.update_member(
        acting_user=city_staff, member=member, organization=tree.city_cell_2
    )
    today = timezone.localdate()
    assert placements(member) == [
        (tree.city_cell.pk, member.admitted_on, today),
        (tree.city_cell_2.pk, today, None),
    ]
    assert members_on(today - timedelta(days=1), "")[tree.city_cell.pk] == 1
    assert members_on(today, "")[tree.city_cell_2.pk] == 1
    # an edit that does not move them writes nothing
    services.update_member(acting_user=city_staff, member=member, note="x")
    assert len(placements(member)) == 2


def test_the_data_migration_dates_what_existed(tree):
    member = MemberFactory(organization=tree.district_cell)
    OrganizationVersion.objects.all().delete()
    MemberPlacement.objects.all().delete()
    Organization.objects.filter(pk=tree.city_cell_2.pk).update(
        status="merged", ended_on=date(2024, 12, 1), established_on=date(2000, 1, 1)
    )
    migration = importlib.import_module(
        "committees.migrations.0006_versions_and_placements"
    )
    migration.forwards(django_apps, None)
    assert OrganizationVersion.objects.filter(valid_to__isnull=True).count() == (
        Organization.objects.count()
    )
    assert versions(tree.city_cell_2) == [
        (
            date(2000, 1, 1),
            date(2024, 12, 1),
            tree.city_grassroots.pk,
            "Chi bộ tổ dân phố số 2",
            K.CELL,
            "active",
        ),
        (
            date(2024, 12, 1),
            None,
            tree.city_grassroots.pk,
            "Chi bộ tổ dân phố số 2",
            K.CELL,
            "merged",
        ),
    ]
    assert placements(member) == [(tree.district_cell.pk, member.admitted_on, None)]
