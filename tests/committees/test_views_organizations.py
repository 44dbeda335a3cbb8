"""The organization tree, the organization page, editing and adding below."""

from __future__ import annotations

from datetime import date

import pytest

from committees import services
from committees.models import Body, Organization, OrganizationStatus, Role
from tests.committees.pages import bulk_members, url
from tests.factories import K, MemberFactory, org, term_2020

# ---------------------------------------------------------------- tree


def test_the_tree_shows_the_scope_with_its_whole_subtree_count(
    client, city_staff, tree
):
    bulk_members([tree.city_cell, tree.city_cell_2], 7)
    bulk_members([tree.district_cell], 3)
    client.force_login(city_staff)
    response = client.get(url("organization_tree"))
    assert response.status_code == 200
    nodes = list(response.context["nodes"])
    assert nodes == [tree.city]
    assert nodes[0].member_count == 7
    html = response.content.decode()
    assert 'data-testid="org-tree"' in html
    assert f'hx-get="{url("organization_children", tree.city.pk)}"' in html
    assert "bi-chevron-right" in html
    assert tree.district.name not in html


def test_a_superuser_sees_every_root(client, admin_user, tree):
    client.force_login(admin_user)
    response = client.get(url("organization_tree"))
    assert list(response.context["nodes"]) == [tree.province]


def test_the_children_partial_lists_children_with_counts_and_mutes_ended_ones(
    client, city_staff, tree
):
    bulk_members([tree.city_cell], 4)
    bulk_members([tree.city_cell_2], 2)
    ended = org(tree.city_grassroots, K.CELL, "Chi bộ cũ", "TP-BG-TP-OLD")
    Organization.objects.filter(pk=ended.pk).update(
        status=OrganizationStatus.DISSOLVED, ended_on=date(2024, 6, 30)
    )
    client.force_login(city_staff)
    response = client.get(
        url("organization_children", tree.city_grassroots.pk), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    counts = {o.name: o.member_count for o in response.context["nodes"]}
    assert counts == {tree.city_cell.name: 4, tree.city_cell_2.name: 2, "Chi bộ cũ": 0}
    html = response.content.decode()
    assert "<html" not in html  # a partial
    assert 'class="text-muted"' in html and "30/06/2024" in html


def test_the_children_of_an_organization_outside_the_scope_answer_404(
    client, city_staff, tree
):
    client.force_login(city_staff)
    assert client.get(url("organization_children", tree.district.pk)).status_code == 404
    # the province is above the city staff's scope: not theirs either
    assert client.get(url("organization_children", tree.province.pk)).status_code == 404


# ---------------------------------------------------------------- organization page


@pytest.fixture
def committee(tree):
    term = term_2020()
    secretary = MemberFactory(full_name="Nguyễn Văn Gấu", organization=tree.city_cell)
    deputy = MemberFactory(full_name="Nguyễn Thị Hương", organization=tree.city_cell)
    inspector = MemberFactory(full_name="Lê Văn Kiểm", organization=tree.city_cell_2)
    for member, body, role in (
        (deputy, Body.EXECUTIVE, Role.DEPUTY_SECRETARY),
        (secretary, Body.EXECUTIVE, Role.SECRETARY),
        (inspector, Body.INSPECTION, Role.INSPECTION_CHAIR),
        (secretary, Body.STANDING, Role.SECRETARY),
    ):
        services.appoint_position(
            acting_user=None,
            member=member,
            organization=tree.city,
            body=body,
            role=role,
            term=term,
            started_on=date(2021, 1, 1),
            state_title="Chủ tịch HĐND" if member == deputy else "",
        )
    return secretary, deputy, inspector


def test_the_organization_page_shows_committee_children_members_and_ratings(
    client, city_staff, tree, committee
):
    secretary, deputy, _inspector = committee
    services.rate(
        acting_user=None, organization=tree.city_grassroots, year=2023, grade="good"
    )
    client.force_login(city_staff)
    response = client.get(url("organization_detail", tree.city.pk))
    assert response.status_code == 200
    groups = [
        (body, [p.member for p in positions])
        for body, positions in response.context["committee"]
    ]
    assert groups == [
        (Body.EXECUTIVE, [secretary, deputy]),
        (Body.STANDING, [secretary]),
        (Body.INSPECTION, [committee[2]]),
    ]
    html = response.content.decode()
    assert "Chủ tịch HĐND" in html
    assert [c.name for c in response.context["children"]] == [tree.city_grassroots.name]
    assert response.context["organization"].member_count == 3
    assert len(response.context["members"]) == 3
    assert f"?org={tree.city.pk}&amp;status=active" in html
    assert response.context["breadcrumbs"] == []  # the province is out of scope

    grassroots = client.get(url("organization_detail", tree.city_grassroots.pk))
    assert [r.year for r in grassroots.context["ratings"]] == [2023]
    assert grassroots.context["breadcrumbs"] == [tree.city]


def test_the_organization_page_shows_its_change_history(client, city_staff, tree):
    services.update_organization(
        acting_user=city_staff, organization=tree.city_cell, name="Chi bộ khu phố 1"
    )
    client.force_login(city_staff)
    response = client.get(url("organization_detail", tree.city_cell.pk))
    history = response.context["history"]
    assert history[0]["who"] == city_staff
    assert history[0]["changes"][0]["new"] == "Chi bộ khu phố 1"
    assert 'data-testid="history-block"' in response.content.decode()


def test_the_members_of_the_page_are_the_first_page_only(
    client, city_staff, tree, settings
):
    settings.PAGE_SIZE = 5
    bulk_members([tree.city_cell], 12)
    client.force_login(city_staff)
    response = client.get(url("organization_detail", tree.city.pk))
    assert len(response.context["members"]) == 5
    assert response.context["organization"].member_count == 12


def test_an_organization_outside_the_scope_answers_404(client, city_staff, tree):
    client.force_login(city_staff)
    assert client.get(url("organization_detail", tree.district.pk)).status_code == 404


# ---------------------------------------------------------------- edit


def test_the_organization_board_renames_an_organization(client, city_staff, tree):
    client.force_login(city_staff)
    response = client.post(
        url("organization_edit", tree.city_cell.pk),
        {
            "name": "Chi bộ khu phố 1",
            "code": "tp-bg-tp-1",
            "established_on": "02/09/1990",
        },
    )
    assert response.status_code == 302
    tree.city_cell.refresh_from_db()
    assert tree.city_cell.name == "Chi bộ khu phố 1"
    assert tree.city_cell.code == "TP-BG-TP-1"
    assert tree.city_cell.established_on == date(1990, 9, 2)
    assert tree.city_cell.history.first().history_user == city_staff


def test_a_code_already_taken_is_refused_next_to_the_field(client, city_staff, tree):
    client.force_login(city_staff)
    response = client.post(
        url("organization_edit", tree.city_cell.pk),
        {"name": "Other name", "code": tree.city_cell_2.code},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    tree.city_cell.refresh_from_db()
    assert tree.city_cell.name == "Chi bộ tổ dân phố số 1"


def test_editing_an_organization_outside_the_scope_answers_404(
    client, city_staff, tree
):
    client.force_login(city_staff)
    path = url("organization_edit", tree.district.pk)
    assert client.get(path).status_code == 404
    assert client.post(path, {"name": "x", "code": "X"}).status_code == 404
    tree.district.refresh_from_db()
    assert tree.district.name == "Đảng bộ huyện Hiệp Hòa"


def test_a_viewer_cannot_edit_an_organization(client, city_viewer, tree):
    client.force_login(city_viewer)
    path = url("organization_edit", tree.city_cell.pk)
    assert client.get(path).status_code == 403
    assert client.post(path, {"name": "x", "code": "X"}).status_code == 403


# ---------------------------------------------------------------- add a child


def test_the_board_adds_a_cell_under_a_grassroots_committee(client, city_staff, tree):
    client.force_login(city_staff)
    path = url("organization_add_child", tree.city_grassroots.pk)
    page = client.get(path)
    offered = [value for value, _label in page.context["form"].allowed_kinds]
    assert offered == [K.PARTIAL_COMMITTEE, K.CELL]
    response = client.post(
        path, {"name": "Chi bộ tổ dân phố số 3", "code": "tp-bg-tp-3", "kind": "cell"}
    )
    child = Organization.objects.get(code="TP-BG-TP-3")
    assert response.status_code == 302
    assert response["Location"] == url("organization_detail", child.pk)
    assert child.path.startswith(tree.city_grassroots.path)
    assert child.depth == tree.city_grassroots.depth + 1


def test_a_kind_the_parent_cannot_hold_is_refused_with_the_services_message(
    client, city_staff, tree
):
    client.force_login(city_staff)
    response = client.post(
        url("organization_add_child", tree.city_grassroots.pk),
        {"name": "Huyện mới", "code": "HU-MOI", "kind": "district"},
    )
    assert response.status_code == 200
    assert "cannot hold" in str(response.context["form"].errors["kind"])
    assert not Organization.objects.filter(code="HU-MOI").exists()


def test_adding_below_an_organization_outside_the_scope_answers_404(
    client, city_staff, tree
):
    client.force_login(city_staff)
    response = client.post(
        url("organization_add_child", tree.district_grassroots.pk),
        {"name": "Chi bộ", "code": "X-1", "kind": "cell"},
    )
    assert response.status_code == 404
    assert not Organization.objects.filter(code="X-1").exists()


def test_a_viewer_cannot_add_an_organization(client, city_viewer, tree):
    client.force_login(city_viewer)
    path = url("organization_add_child", tree.city_grassroots.pk)
    assert client.get(path).status_code == 403
    response = client.post(path, {"name": "Chi bộ", "code": "X-1", "kind": "cell"})
    assert response.status_code == 403
    assert not Organization.objects.filter(code="X-1").exists()
