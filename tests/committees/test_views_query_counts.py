"""The main pages make as many queries with 1,000 members as with 10."""

from __future__ import annotations

from datetime import date

import pytest

from committees import services
from committees.models import Body, InterruptionReason, MemberStatus, Role
from tests.committees.pages import bulk_members, count_queries, url
from tests.factories import K, MemberFactory, org, term_2020


@pytest.fixture
def populated(tree, city_staff, client):
    """A city with several cells, a committee, ratings and history."""
    extra_grassroots = org(tree.city, K.GRASSROOTS_CELL, "Chi bộ Trường THPT số 1")
    cells = [tree.city_cell, tree.city_cell_2, extra_grassroots]
    member = MemberFactory(full_name="Nguyễn Văn Gấu", organization=tree.city_cell)
    services.appoint_position(
        acting_user=None,
        member=member,
        organization=tree.city,
        body=Body.EXECUTIVE,
        role=Role.SECRETARY,
        term=term_2020(),
        started_on=date(2021, 1, 1),
        state_title="Bí thư Thành ủy",
    )
    services.rate(acting_user=None, member=member, year=2023, grade="good")
    services.rate(
        acting_user=None, organization=tree.city_cell, year=2023, grade="good"
    )
    services.add_interruption(
        acting_user=None,
        member=member,
        started_on=date(2015, 1, 1),
        ended_on=date(2015, 6, 30),
        reason=InterruptionReason.LOST_CONTACT,
    )
    services.update_member(acting_user=city_staff, member=member, note="changed")
    services.update_organization(
        acting_user=city_staff, organization=tree.city_cell, note="changed"
    )
    client.force_login(city_staff)
    return {"cells": cells, "member": member}


def page_paths(tree, member) -> dict[str, str]:
    search = (
        f"{url('member_list')}?q=nguyen&status=active&org={tree.city_grassroots.pk}"
        "&admission_year=2010&sort=-admitted"
    )
    return {
        "tree": url("organization_tree"),
        "children": url("organization_children", tree.city_grassroots.pk),
        "member list": url("member_list"),
        "member search": search,
        "member list of a cell": f"{url('member_list')}?org={tree.city_cell.pk}",
        "organization": url("organization_detail", tree.city.pk),
        "cell": url("organization_detail", tree.city_cell.pk),
        "member": url("member_detail", member.pk),
        "due official": url("members_due_official"),
        "unit ratings": url("unit_ratings", tree.city_grassroots.pk, 2023),
        "bulk rating": url("bulk_rating", tree.city_cell.pk, 2023),
        "rating overview": f"{url('rating_overview')}?year=2023",
        "dashboard": "/",
    }


def test_pages_make_the_same_queries_with_10_and_1000_members(client, tree, populated):
    cells = populated["cells"]

    def add(count: int) -> None:
        # official ones the search finds, and probationary ones due for
        # recognition (admitted years ago)
        bulk_members(cells, count // 2, full_name="Nguyễn Văn Thử")
        bulk_members(
            cells, count // 2, status=MemberStatus.PROBATIONARY, official_on=None
        )

    add(10)
    paths = page_paths(tree, populated["member"])
    small = {name: count_queries(client, path) for name, path in paths.items()}
    add(990)
    large = {name: count_queries(client, path) for name, path in paths.items()}

    for name in paths:
        assert small[name][0] == large[name][0], (name, small[name][1], large[name][1])


def test_the_tree_and_the_member_list_stay_under_a_small_budget(
    client, tree, populated
):
    bulk_members(populated["cells"], 1000)
    paths = page_paths(tree, populated["member"])
    # session, user, page (+ count, perms, filter options for the list)
    assert count_queries(client, paths["tree"])[0] <= 4
    assert count_queries(client, paths["children"])[0] <= 4
    assert count_queries(client, paths["member search"])[0] <= 10
