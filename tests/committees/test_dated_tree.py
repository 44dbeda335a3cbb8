"""The tree as of a date (restructuring_selectors.tree_on): on both sides of
each restructuring, with member counts of the day, in a fixed number of
queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Count, F, FilteredRelation, Q
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from committees import dated_tallies, restructuring, services, timeline, transfers
from committees.models import ACTIVE_MEMBER_STATUSES, Member, MemberStatus, Organization
from committees.restructuring import NewOrganization
from committees.restructuring_selectors import (
    dated_children,
    dated_organization,
    dated_top,
    members_on,
    nearest_anchor,
    tree_on,
)
from portal.models import User
from tests.committees.pages import bulk_members
from tests.committees.restructure import DAY, record
from tests.factories import K, MemberFactory, org, user

BEFORE = DAY - timedelta(days=1)


def shape(tree, pk=None) -> dict:
    """{name: (parent name, kind, subtree members)} of a dated tree."""
    names = {n.pk: n.name for n in tree.nodes.values()}
    return {
        n.name: (names.get(n.parent_id), n.kind, n.member_count)
        for n in tree.nodes.values()
    }


def test_a_merger_on_both_sides(tree, admin_user, province_staff, city_member):
    restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_grassroots],
        target=tree.district_grassroots,
        **record(),
    )
    before = shape(tree_on(admin_user, BEFORE))
    after = shape(tree_on(admin_user, DAY))
    ward, commune = "Đảng bộ phường Trần Phú", "Đảng bộ xã Đức Thắng"
    assert before[ward] == ("Đảng bộ thành phố Bắc Giang", K.GRASSROOTS_COMMITTEE, 1)
    assert before["Chi bộ tổ dân phố số 1"][0] == ward
    assert before["Đảng bộ thành phố Bắc Giang"][2] == 1
    assert ward not in after
    assert after["Chi bộ tổ dân phố số 1"] == (commune, K.CELL, 1)
    assert after[commune][2] == 1
    assert after["Đảng bộ thành phố Bắc Giang"][2] == 0
    assert after["Đảng bộ tỉnh Bắc Giang"][2] == before["Đảng bộ tỉnh Bắc Giang"][2]


def test_members_moved_by_a_merger_count_where_they_were(
    tree, admin_user, province_staff
):
    member = MemberFactory(organization=tree.city_cell_2)
    restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_cell_2],
        target=tree.district_cell,
        **record(),
    )
    member.refresh_from_db()
    assert member.organization == tree.district_cell
    assert members_on(BEFORE, "")[tree.city_cell_2.pk] == 1
    assert tree.district_cell.pk not in members_on(BEFORE, "")
    assert members_on(DAY, "")[tree.district_cell.pk] == 1
    before = tree_on(admin_user, BEFORE)
    assert before.nodes[tree.city.pk].member_count == 1
    assert before.nodes[tree.district.pk].member_count == 0
    after = tree_on(admin_user, DAY)
    assert after.nodes[tree.district.pk].member_count == 1
    assert tree.city_cell_2.pk not in after.nodes


def test_a_move_with_a_new_kind_on_both_sides(tree, admin_user, province_staff):
    restructuring.move_organization(
        acting_user=province_staff,
        organization=tree.district_grassroots,
        new_parent=tree.province,
        new_kind=K.COMMUNE,
        **record(),
    )
    before = tree_on(admin_user, BEFORE).nodes[tree.district_grassroots.pk]
    after = tree_on(admin_user, DAY).nodes[tree.district_grassroots.pk]
    assert (before.parent_id, before.kind) == (tree.district.pk, K.GRASSROOTS_COMMITTEE)
    assert (after.parent_id, after.kind) == (tree.province.pk, K.COMMUNE)
    assert after.depth == 2 and before.depth == 3


def test_a_renaming_on_both_sides(tree, admin_user, city_staff):
    restructuring.rename_organization(
        acting_user=city_staff,
        organization=tree.city_grassroots,
        name="Đảng bộ phường Bắc Giang",
        **record(),
    )
    assert tree_on(admin_user, BEFORE).nodes[tree.city_grassroots.pk].name == (
        "Đảng bộ phường Trần Phú"
    )
    assert tree_on(admin_user, DAY).nodes[tree.city_grassroots.pk].name == (
        "Đảng bộ phường Bắc Giang"
    )


def test_a_change_of_kind_on_both_sides(tree, admin_user, city_staff):
    lone = org(tree.city, K.GRASSROOTS_CELL, "Chi bộ Trường THPT", "THPT")
    restructuring.change_organization_kind(
        acting_user=city_staff,
        organization=lone,
        kind=K.GRASSROOTS_COMMITTEE,
        **record(),
    )
    assert tree_on(admin_user, BEFORE).nodes[lone.pk].kind == K.GRASSROOTS_CELL
    assert tree_on(admin_user, DAY).nodes[lone.pk].kind == K.GRASSROOTS_COMMITTEE


def test_a_dissolution_on_both_sides(tree, admin_user, province_staff, city_member):
    restructuring.dissolve_organization(
        acting_user=province_staff,
        organization=tree.city,
        target=tree.district,
        **record(),
    )
    before = tree_on(admin_user, BEFORE)
    after = tree_on(admin_user, DAY)
    assert tree.city.pk in before.nodes
    assert before.nodes[tree.city_grassroots.pk].parent_id == tree.city.pk
    assert tree.city.pk not in after.nodes
    assert after.nodes[tree.city_grassroots.pk].parent_id == tree.district.pk
    assert after.nodes[tree.district.pk].member_count == 1


def test_a_split_on_both_sides(tree, admin_user, city_staff):
    restructuring.split_organization(
        acting_user=city_staff,
        organization=tree.city_grassroots,
        children=[tree.city_cell_2],
        new_organization=NewOrganization(
            "Đảng bộ phường Ngô Quyền", "TP-NQ", K.GRASSROOTS_COMMITTEE, tree.city
        ),
        **record(),
    )
    before = tree_on(admin_user, BEFORE)
    after = tree_on(admin_user, DAY)
    new = next(n for n in after.nodes.values() if n.code == "TP-NQ")
    assert new.pk not in before.nodes
    assert before.nodes[tree.city_cell_2.pk].parent_id == tree.city_grassroots.pk
    assert after.nodes[tree.city_cell_2.pk].parent_id == new.pk


def test_provinces_merged_into_a_new_one_show_as_they_were_to_its_staff(
    tree, province_staff
):
    other = org(None, K.PROVINCE, "Đảng bộ tỉnh Bắc Ninh", "TU-BN")
    org(other, K.DISTRICT, "Đảng bộ thành phố Bắc Ninh", "TP-BN")
    restructuring.merge_organizations(
        acting_user=None,
        sources=[tree.province, other],
        new_target=NewOrganization(
            "Đảng bộ tỉnh Bắc Ninh", "TU-BN-2025", K.PROVINCE, None
        ),
        **record(),
    )
    staff = User.objects.get(pk=province_staff.pk)  # re-scoped to the new root
    assert staff.scope.code == "TU-BN-2025"
    before = tree_on(staff, BEFORE)
    assert {r.code for r in before.roots} == {"TU-BG", "TU-BN"}
    after = tree_on(staff, DAY)
    assert [r.code for r in after.roots] == ["TU-BN-2025"]
    assert {c.code for c in after.roots[0].children} == {"TP-BG", "HU-HH", "TP-BN"}


def test_what_moved_out_of_the_scope_is_not_shown(tree, city_staff, province_staff):
    restructuring.move_organization(
        acting_user=province_staff,
        organization=tree.city_grassroots,
        new_parent=tree.district,
        **record(),
    )
    before = tree_on(city_staff, BEFORE)
    assert [r.pk for r in before.roots] == [tree.city.pk]
    assert tree.city_grassroots.pk not in before.nodes
    outsider_view = tree_on(user("hh", tree.district), BEFORE)
    # the district's staff see it as it was, at the top (its parent is hidden)
    assert tree.city_grassroots.pk in {r.pk for r in outsider_view.roots}


def test_members_count_only_while_they_were_active(tree, admin_user):
    MemberFactory(
        organization=tree.city_cell,
        status=MemberStatus.DECEASED,
        status_changed_on=date(2025, 3, 1),
    )
    MemberFactory(
        organization=tree.city_cell,
        admitted_on=date(2025, 2, 1),
        official_on=None,
        status=MemberStatus.PROBATIONARY,
    )
    counts = {
        day: tree_on(admin_user, day).nodes[tree.city_cell.pk].member_count
        for day in (date(2025, 1, 14), date(2025, 2, 14), date(2025, 10, 1))
    }
    assert counts == {date(2025, 1, 14): 1, date(2025, 2, 14): 2, date(2025, 10, 1): 1}


def new_cell(tree) -> Organization:
    """A cell established on 01/05/2025 under the city's grassroots."""
    return services.create_organization(
        acting_user=None,
        parent=tree.city_grassroots,
        name="Chi bộ mới",
        code="NEW-1",
        kind=K.CELL,
        established_on=date(2025, 5, 1),
    )


def test_organizations_created_later_are_not_there_yet(tree, admin_user):
    young = new_cell(tree)
    assert young.pk not in tree_on(admin_user, date(2025, 4, 30)).nodes
    assert young.pk in tree_on(admin_user, date(2025, 5, 1)).nodes


def test_the_dated_tree_is_rooted_and_ordered_by_name(tree, admin_user):
    dated = tree_on(admin_user, DAY)
    assert [root.pk for root in dated.roots] == [tree.province.pk]
    for node in dated.nodes.values():
        names = [(child.name, child.pk) for child in node.children]
        assert names == sorted(names)


@pytest.mark.parametrize("who", ["admin", "staff"])
def test_the_dated_tree_costs_the_same_queries_at_two_sizes(
    tree, admin_user, province_staff, who
):
    viewer = admin_user if who == "admin" else province_staff

    def cost() -> int:
        with CaptureQueriesContext(connection) as captured:
            dated = tree_on(viewer, DAY)
        return len(captured), len(dated.nodes)

    restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_cell_2],
        target=tree.city_cell,
        **record(),
    )
    small, small_nodes = cost()
    for i in range(30):
        grassroots = org(tree.district, K.GRASSROOTS_COMMITTEE, f"Đảng bộ xã {i}")
        cells = [org(grassroots, K.CELL, f"Chi bộ thôn {i}-{j}") for j in range(3)]
        bulk_members(cells, 30)
    large, large_nodes = cost()
    assert large_nodes > small_nodes + 100
    assert small == large == 2


def recount_members_on(day: date, prefix: str) -> dict[int, int]:
    """The definition of ``members_on``, counted member by member (what the
    portal did before the tallies-and-changes query): the oracle."""
    active_then = Q(status__in=ACTIVE_MEMBER_STATUSES) | Q(status_changed_on__gt=day)
    members = (
        Member.objects.filter(admitted_on__lte=day)
        .filter(active_then)
        .annotate(
            placed=FilteredRelation(
                "placements",
                condition=Q(
                    placements__valid_from__lte=day, placements__valid_to__gt=day
                ),
            )
        )
        .annotate(then=Coalesce(F("placed__organization_id"), F("organization_id")))
    )
    scoped = set(
        Organization.objects.filter(path__startswith=prefix).values_list(
            "pk", flat=True
        )
    )
    rows = members.values("then").annotate(n=Count("pk")).order_by()
    return {row["then"]: row["n"] for row in rows if row["then"] in scoped}


def admit_bury_and_move(tree, staff, *, per_cell, late_in, dead_in, moved_from):
    """Members placed in the three cells, one admitted on 01/02/2025, one
    dead on 01/03/2025, one moved to the district's cell on 01/04/2025."""
    for cell in (tree.city_cell, tree.city_cell_2, tree.district_cell):
        for member in MemberFactory.create_batch(per_cell, organization=cell):
            timeline.place_new_member(member)
    late = MemberFactory(
        organization=late_in,
        admitted_on=date(2025, 2, 1),
        official_on=None,
        status=MemberStatus.PROBATIONARY,
    )
    timeline.place_new_member(late)
    gone = Member.objects.filter(organization=dead_in).first()
    Member.objects.filter(pk=gone.pk).update(
        status=MemberStatus.DECEASED, status_changed_on=date(2025, 3, 1)
    )
    transfers.move_member(
        acting_user=staff,
        member=Member.objects.filter(organization=moved_from).first(),
        to=tree.district_cell,
        effective_on=date(2025, 4, 1),
        reason="Chuyển nơi cư trú",
    )


def changes_of_2025(tree, staff) -> None:
    """Three members a cell, one admitted on 01/02/2025 and one dead on
    01/03/2025 in the city's cells, one moved from the city to the district
    on 01/04/2025; the city's second cell merged into its first on 01/07."""
    admit_bury_and_move(
        tree,
        staff,
        per_cell=3,
        late_in=tree.city_cell,
        dead_in=tree.city_cell_2,
        moved_from=tree.city_cell,
    )
    restructuring.merge_organizations(
        acting_user=staff, sources=[tree.city_cell_2], target=tree.city_cell, **record()
    )


def test_dated_counts_agree_with_a_recount_after_every_kind_of_change(
    tree, province_staff
):
    """Tallies of today corrected by what changed since the day: admissions
    after it, deaths and expulsions after it, moves and transfers after it
    (in and out of a subtree), a merger; checked on days before, between
    and after the changes, for the whole tree and for each subtree."""
    changes_of_2025(tree, province_staff)
    days = [
        date(2009, 1, 1),
        date(2025, 1, 14),
        date(2025, 2, 1),
        date(2025, 3, 1),
        date(2025, 4, 1),
        BEFORE,
        DAY,
        date(2030, 1, 1),
    ]
    subtrees = [tree.province, tree.city, tree.district, tree.city_cell]
    for day in days:
        assert members_on(day, "") == recount_members_on(day, ""), day  # the root
        for organization in subtrees:
            expected = recount_members_on(day, organization.path)
            assert members_on(day, organization.path) == expected, (day, organization)
    assert members_on(date(2025, 3, 31), tree.district.path) == {
        tree.district_cell.pk: 3
    }
    assert members_on(date(2025, 4, 1), tree.district.path) == {
        tree.district_cell.pk: 4
    }


# ------------------------------------------------ what the dated pages read


def seen(node) -> tuple:
    """What a page shows of a dated node."""
    return (
        node.pk,
        node.name,
        node.kind,
        node.status,
        node.parent_id,
        node.member_count,
        node.depth,
        node.has_children,
    )


def test_the_dated_pages_agree_with_the_whole_tree_after_every_kind_of_change(
    tree, admin_user, province_staff, city_staff
):
    """The pages read only the nodes they show, from today's paths and the
    organizations changed since the day (``dated_top``, ``dated_children``,
    ``dated_organization``); the whole tree assembled from every version of
    the day (``tree_on``) is the definition they must match, for every
    organization, user and day, after moves, a merger, a dissolution, a
    split, a renaming, a change of kind, an organization created later and
    members admitted, dead and moved."""
    admit_bury_and_move(
        tree,
        province_staff,
        per_cell=2,
        late_in=tree.district_cell,
        dead_in=tree.city_cell,
        moved_from=tree.city_cell_2,
    )
    lone = org(tree.city, K.GRASSROOTS_CELL, "Chi bộ Trường THPT", "THPT")
    young = new_cell(tree)
    timeline.place_new_member(
        MemberFactory(
            organization=young,
            admitted_on=date(2025, 5, 2),
            official_on=None,
            status=MemberStatus.PROBATIONARY,
        )
    )
    restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_cell_2],
        target=tree.city_cell,
        **record(),
    )
    restructuring.move_organization(
        acting_user=province_staff,
        organization=tree.district_grassroots,
        new_parent=tree.province,
        new_kind=K.COMMUNE,
        **record(),
    )
    restructuring.rename_organization(
        acting_user=city_staff,
        organization=tree.city_grassroots,
        name="Đảng bộ phường Bắc Giang",
        **record(),
    )
    restructuring.change_organization_kind(
        acting_user=province_staff,
        organization=lone,
        kind=K.GRASSROOTS_COMMITTEE,
        **record(),
    )
    restructuring.split_organization(
        acting_user=city_staff,
        organization=tree.city_grassroots,
        children=[young],
        new_organization=NewOrganization(
            "Đảng bộ phường Ngô Quyền", "TP-NQ", K.GRASSROOTS_COMMITTEE, tree.city
        ),
        **record(effective_on=date(2025, 8, 1)),
    )
    restructuring.dissolve_organization(
        acting_user=province_staff,
        organization=tree.district,  # empty since the commune moved
        **record(effective_on=date(2025, 9, 1)),
    )
    other = org(None, K.PROVINCE, "Đảng bộ tỉnh Bắc Ninh", "TU-BN")
    org(other, K.DISTRICT, "Đảng bộ thành phố Bắc Ninh", "TP-BN")
    viewers = [
        admin_user,
        User.objects.get(pk=province_staff.pk),
        User.objects.get(pk=city_staff.pk),
        user("hh", tree.district),
        user("cell", tree.city_cell),
    ]
    days = [
        date(2009, 1, 1),
        date(2025, 1, 14),
        date(2025, 4, 1),
        BEFORE,
        DAY,
        date(2025, 8, 15),
        date(2025, 9, 1),
        date(2030, 1, 1),
    ]
    organizations = list(Organization.objects.order_by("path"))
    for viewer in viewers:
        for day in days:
            whole = tree_on(viewer, day)
            top = dated_top(viewer, day)
            assert [seen(r) for r in top.roots] == [seen(r) for r in whole.roots]
            assert top.expanded == (len(whole.roots) == 1)
            for root, expected in zip(top.roots, whole.roots, strict=True):
                assert [seen(c) for c in root.children] == (
                    [seen(c) for c in expected.children] if top.expanded else []
                ), (viewer, day, root.name)
                assert root.has_children == bool(expected.children)
            with_ended = tree_on(viewer, day, active_only=False)
            for organization in organizations:
                if not Organization.objects.visible_to(viewer).filter(
                    pk=organization.pk
                ):
                    continue
                node = whole.nodes.get(organization.pk)
                expected = [seen(c) for c in node.children] if node else []
                children = dated_children(viewer, day, organization)
                assert [seen(c) for c in children] == expected, (
                    viewer,
                    day,
                    organization,
                )
                node, chain = dated_organization(viewer, day, organization)
                expected = with_ended.nodes.get(organization.pk)
                if expected is None:
                    assert node is None, (viewer, day, organization)
                    continue
                assert seen(node) == seen(expected), (viewer, day, organization)
                assert [seen(c) for c in node.children] == [
                    seen(c) for c in expected.children
                ]
                assert [a.pk for a in chain] == [
                    a.pk for a in with_ended.chain(organization.pk)
                ]
                assert [a.name for a in chain] == [
                    a.name for a in with_ended.chain(organization.pk)
                ]


@pytest.mark.parametrize("who", ["admin", "staff"])
def test_the_dated_pages_cost_the_same_queries_at_two_sizes(
    tree, admin_user, province_staff, who
):
    viewer = admin_user if who == "admin" else province_staff

    def cost() -> tuple[int, ...]:
        # The whole portal's top starts from the anchor of 01/06/2025 (one
        # query finds it), counted again after the members written below.
        dated_tallies.refresh(days=[date(2025, 6, 1)])
        assert nearest_anchor(DAY, timezone.localdate()) == date(2025, 6, 1)
        counts = []
        for read in (
            lambda: dated_top(viewer, DAY),
            lambda: dated_children(viewer, DAY, tree.city),
            lambda: dated_organization(viewer, DAY, tree.city),
        ):
            with CaptureQueriesContext(connection) as captured:
                read()
            counts.append(len(captured))
        return tuple(counts)

    restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_cell_2],
        target=tree.city_cell,
        **record(),
    )
    small = cost()
    for i in range(30):
        grassroots = org(tree.city, K.GRASSROOTS_COMMITTEE, f"Đảng bộ xã {i}")
        cells = [org(grassroots, K.CELL, f"Chi bộ thôn {i}-{j}") for j in range(3)]
        bulk_members(cells, 30)
        restructuring.move_organization(
            acting_user=province_staff,
            organization=cells[0],
            new_parent=tree.city_grassroots,
            **record(effective_on=date(2025, 8, 1)),
        )
    assert cost() == small == ((4, 3, 3) if who == "admin" else (3, 3, 3))
