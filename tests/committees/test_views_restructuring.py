"""The restructuring pages: form → preview → confirm, the list and detail,
the tree and the organization page as of a date, the lineage."""

from __future__ import annotations

import pytest
from django.utils import translation

from committees import restructuring
from committees.models import Organization, Restructuring
from tests.committees.pages import bulk_members, count_queries, url
from tests.committees.restructure import DECISION, record, seat, snapshot
from tests.factories import K, MemberFactory, org


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def merge_data(tree, **extra) -> dict:
    data = {
        "target": tree.city_grassroots.pk,
        "effective_on": "01/07/2025",
        "decision_number": DECISION,
        "reason": "Sắp xếp tổ dân phố",
    }
    data.update(extra)
    return data


def test_the_form_shows_with_scoped_choices(client, tree, city_staff):
    MemberFactory(organization=tree.city_cell_2)  # only cells may receive it
    client.force_login(city_staff)
    response = client.get(url("organization_merge", tree.city_cell_2.pk))
    assert response.status_code == 200
    target = response.context["form"].fields["target"]
    assert set(target.queryset) == {tree.city_cell}  # cells of the scope only


def test_the_preview_shows_what_moves_and_changes_nothing(
    client, tree, city_staff, city_member
):
    client.force_login(city_staff)
    before = snapshot()
    response = client.post(
        url("organization_merge", tree.city_cell.pk),
        merge_data(tree, target=tree.city_cell_2.pk, preview="1"),
    )
    assert response.status_code == 200
    assert response.templates[0].name == "committees/restructuring/preview.html"
    lines = {line.key: line.count for line in response.context["preview"].lines}
    assert lines["member_records"] == 1
    assert b'data-testid="confirm"' in response.content
    assert snapshot() == before


def test_confirming_runs_it_and_shows_the_record(client, tree, city_staff, city_member):
    client.force_login(city_staff)
    path = url("organization_merge", tree.city_cell.pk)
    data = merge_data(tree, target=tree.city_cell_2.pk)
    preview = client.post(path, data)
    digest = preview.context["digest"]
    response = client.post(path, {**data, "confirm": "1", "digest": digest})
    done = Restructuring.objects.get()
    assert response.status_code == 302
    assert response["Location"] == done.get_absolute_url()
    city_member.refresh_from_db()
    assert city_member.organization == tree.city_cell_2
    assert done.created_by == city_staff
    page = client.get(done.get_absolute_url())
    assert page.status_code == 200
    assert DECISION.encode() in page.content


def test_figures_that_changed_since_the_preview_are_shown_again(
    client, tree, city_staff
):
    client.force_login(city_staff)
    path = url("organization_merge", tree.city_cell.pk)
    data = merge_data(tree, target=tree.city_cell_2.pk, confirm="1", digest="stale")
    response = client.post(path, data)
    assert response.status_code == 200
    assert "preview" in response.context
    assert not Restructuring.objects.exists()


def test_a_bad_decision_number_is_shown_next_to_the_field(client, tree, city_staff):
    client.force_login(city_staff)
    response = client.post(
        url("organization_merge", tree.city_cell.pk),
        merge_data(tree, target=tree.city_cell_2.pk, decision_number="số 5"),
    )
    assert response.status_code == 200
    assert "decision_number" in response.context["form"].errors
    assert not Restructuring.objects.exists()


def test_a_refusal_of_the_service_is_shown_on_the_form(client, tree, city_staff):
    client.force_login(city_staff)
    response = client.post(
        url("organization_dissolve", tree.city_grassroots.pk),
        merge_data(tree, target=""),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["target"]  # the service's message
    assert not Restructuring.objects.exists()


def test_every_operation_page_answers(client, tree, city_staff):
    client.force_login(city_staff)
    for name in (
        "organization_merge",
        "organization_split",
        "organization_dissolve",
        "organization_move",
        "organization_rename",
        "organization_change_kind",
    ):
        assert client.get(url(name, tree.city_grassroots.pk)).status_code == 200, name


def test_rename_through_the_pages(client, tree, city_staff):
    client.force_login(city_staff)
    path = url("organization_rename", tree.city_cell.pk)
    data = {**merge_data(tree), "name": "Chi bộ khu phố 1"}
    digest = client.post(path, data).context["digest"]
    client.post(path, {**data, "confirm": "1", "digest": digest})
    tree.city_cell.refresh_from_db()
    assert tree.city_cell.name == "Chi bộ khu phố 1"


def test_someone_outside_the_scope_gets_404(client, tree, outsider):
    client.force_login(outsider)
    for name in ("organization_merge", "organization_split", "organization_move"):
        assert client.get(url(name, tree.city_cell.pk)).status_code == 404
        assert client.post(url(name, tree.city_cell.pk)).status_code == 404


def test_a_viewer_gets_403(client, tree, city_viewer):
    client.force_login(city_viewer)
    path = url("organization_merge", tree.city_cell.pk)
    assert client.get(path).status_code == 403
    data = merge_data(tree, target=tree.city_cell_2.pk, confirm="1")
    assert client.post(path, data).status_code == 403
    assert not Restructuring.objects.exists()


def test_an_organization_that_ended_cannot_be_restructured_again(
    client, tree, city_staff
):
    restructuring.merge_organizations(
        acting_user=city_staff,
        sources=[tree.city_cell_2],
        target=tree.city_cell,
        **record(),
    )
    client.force_login(city_staff)
    response = client.get(url("organization_merge", tree.city_cell_2.pk))
    assert response.status_code == 302


# ---------------------------------------------------------------- list, detail


@pytest.fixture
def two_restructurings(tree, province_staff):
    city = restructuring.rename_organization(
        acting_user=province_staff,
        organization=tree.city_cell,
        name="Chi bộ khu phố 1",
        **record(),
    )
    district = restructuring.rename_organization(
        acting_user=province_staff,
        organization=tree.district_cell,
        name="Chi bộ thôn Đồng Tâm mới",
        **record(),
    )
    return city, district


def test_the_list_shows_what_the_scope_sees(
    client, tree, city_staff, two_restructurings
):
    city, district = two_restructurings
    client.force_login(city_staff)
    response = client.get(url("restructuring_list"))
    assert list(response.context["page_obj"]) == [city]
    assert client.get(district.get_absolute_url()).status_code == 404
    assert client.get(city.get_absolute_url()).status_code == 200


def test_the_list_filters_by_kind_and_number(
    client, tree, admin_user, two_restructurings
):
    client.force_login(admin_user)
    assert (
        len(client.get(url("restructuring_list") + "?kind=merge").context["page_obj"])
        == 0
    )
    assert (
        len(client.get(url("restructuring_list") + "?q=381").context["page_obj"]) == 2
    )


def test_the_list_and_detail_cost_the_same_at_two_sizes(
    client, tree, admin_user, province_staff
):
    client.force_login(admin_user)

    def rename_many(n: int, start: int) -> None:
        for i in range(start, start + n):
            restructuring.rename_organization(
                acting_user=province_staff,
                organization=tree.city_cell,
                name=f"Chi bộ {i}",
                **record(),
            )

    rename_many(2, 0)
    small = count_queries(client, url("restructuring_list"))[0]
    item = Restructuring.objects.first()
    detail_small = count_queries(client, item.get_absolute_url())[0]
    rename_many(20, 10)
    assert count_queries(client, url("restructuring_list"))[0] == small
    assert count_queries(client, item.get_absolute_url())[0] == detail_small


# ---------------------------------------------------------------- as of a date


def test_the_tree_page_takes_a_date(client, tree, city_staff, province_staff):
    restructuring.move_organization(
        acting_user=province_staff,
        organization=tree.district_grassroots,
        new_parent=tree.province,
        new_kind=K.COMMUNE,
        **record(),
    )
    client.force_login(province_staff)
    before = client.get(url("organization_tree") + "?on=2025-06-30")
    assert before.templates[0].name == "committees/organization_tree_on.html"
    # The page holds two levels: the commune is below its district then.
    assert tree.district_grassroots.pk not in before.context["dated"].nodes
    opened = client.get(
        url("organization_children", tree.district.pk) + "?on=2025-06-30"
    )
    below = {node.pk: node for node in opened.context["nodes"]}
    assert below[tree.district_grassroots.pk].parent_id == tree.district.pk
    typed = client.get(url("organization_tree") + "?on=01/07/2025")
    assert typed.context["dated"].nodes[tree.district_grassroots.pk].parent_id == (
        tree.province.pk
    )


def test_a_bad_date_is_said_and_the_tree_of_today_shown(client, tree, city_staff):
    client.force_login(city_staff)
    response = client.get(url("organization_tree") + "?on=31/02/2025")
    assert response.templates[0].name == "committees/organization_tree.html"
    shown = [m.level_tag for m in response.context["messages"]]
    assert shown == ["error"]


@pytest.fixture
def renamed_ward(tree, city_staff):
    """The ward Trần Phú renamed Bắc Giang from the reform's day."""
    restructuring.rename_organization(
        acting_user=city_staff,
        organization=tree.city_grassroots,
        name="Đảng bộ phường Bắc Giang",
        **record(),
    )


def test_the_organization_page_takes_a_date(client, tree, city_staff, renamed_ward):
    client.force_login(city_staff)
    response = client.get(
        url("organization_detail", tree.city_grassroots.pk) + "?on=2025-01-14"
    )
    assert response.context["node"].name == "Đảng bộ phường Trần Phú"
    assert "Đảng bộ phường Trần Phú" in response.content.decode()
    young = org(tree.city_grassroots, K.CELL, "Chi bộ mới", "NEW")
    Organization.objects.filter(pk=young.pk).update(established_on="2025-05-01")
    young.versions.update(valid_from="2025-05-01")
    response = client.get(url("organization_detail", young.pk) + "?on=2025-01-14")
    assert b'data-testid="not-yet"' in response.content


def test_the_dated_tree_opens_deeper_levels_as_they_stood(
    client, tree, city_staff, renamed_ward
):
    client.force_login(city_staff)
    page = client.get(url("organization_tree") + "?on=2025-01-14").content.decode()
    # The top and the level below it come with the page, deeper ones later.
    assert "Đảng bộ phường Trần Phú" in page
    assert "Chi bộ tổ dân phố số 1" not in page
    assert f"{url('organization_children', tree.city_grassroots.pk)}?on=2025-01-14" in (
        page
    )
    opened = client.get(url("organization_children", tree.city.pk) + "?on=2025-01-14")
    assert "Đảng bộ phường Trần Phú" in opened.content.decode()
    today = client.get(url("organization_children", tree.city.pk))
    assert "Đảng bộ phường Bắc Giang" in today.content.decode()
    cells = client.get(
        url("organization_children", tree.city_grassroots.pk) + "?on=2025-01-14"
    ).content.decode()
    assert "Chi bộ tổ dân phố số 1" in cells and "Chi bộ tổ dân phố số 2" in cells


def test_the_national_root_lists_the_provinces_closed(client, tree, admin_user):
    """Many roots (the provinces) come closed, each with its members of the
    day and a link that opens it (the lone root of a scope comes open:
    ``test_the_dated_tree_opens_deeper_levels_as_they_stood``)."""
    other = org(None, K.PROVINCE, "Đảng bộ tỉnh Bắc Ninh", "TU-BN")
    MemberFactory(organization=tree.city_cell, admitted_on="2010-01-01")
    client.force_login(admin_user)
    response = client.get(url("organization_tree") + "?on=2025-01-14")
    page = response.content.decode()
    assert [n.name for n in response.context["dated"].roots] == [
        "Đảng bộ tỉnh Bắc Giang",
        "Đảng bộ tỉnh Bắc Ninh",
    ]
    assert response.context["dated"].roots[0].member_count == 1
    assert "Đảng bộ thành phố Bắc Giang" not in page
    assert f"{url('organization_children', tree.province.pk)}?on=2025-01-14" in page
    # nothing below the other province: nothing to open
    assert f"{url('organization_children', other.pk)}?on=" not in page
    opened = client.get(
        url("organization_children", tree.province.pk) + "?on=2025-01-14"
    )
    assert "Đảng bộ thành phố Bắc Giang" in opened.content.decode()


def test_the_dated_pages_404_outside_the_scope(client, tree, outsider):
    client.force_login(outsider)
    path = url("organization_detail", tree.city_cell.pk) + "?on=2025-01-14"
    assert client.get(path).status_code == 404


def test_the_target_page_shows_its_lineage(client, tree, province_staff, city_member):
    seat(city_member, tree.city_grassroots)
    restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_grassroots],
        target=tree.district_grassroots,
        **record(),
    )
    client.force_login(province_staff)
    response = client.get(url("organization_detail", tree.district_grassroots.pk))
    (entry,) = response.context["lineage"]
    assert entry.organization == tree.city_grassroots
    assert dict(entry.counts)["Positions"] == 1
    # Apps built on committees count what the merged organization held too.
    assert dict(entry.counts)["Awards"] == 0
    assert "Congresses" in dict(entry.counts)
    assert b'data-testid="lineage"' in response.content
    source_page = client.get(url("organization_detail", tree.city_grassroots.pk))
    assert b'data-testid="merged-into"' in source_page.content


def test_dated_and_lineage_pages_cost_the_same_at_two_sizes(
    client, tree, province_staff
):
    restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_grassroots],
        target=tree.district_grassroots,
        **record(),
    )
    client.force_login(province_staff)
    paths = [
        url("organization_tree") + "?on=2025-06-30",
        url("organization_tree") + "?on=2025-07-01",
        url("organization_detail", tree.district_grassroots.pk),
        url("organization_detail", tree.district_grassroots.pk) + "?on=2025-06-30",
        url("organization_children", tree.district.pk) + "?on=2025-06-30",
    ]
    small = [count_queries(client, p)[0] for p in paths]
    for i in range(10):
        grassroots = org(tree.district, K.GRASSROOTS_COMMITTEE, f"Đảng bộ xã {i}")
        cells = [org(grassroots, K.CELL, f"Chi bộ thôn {i}-{j}") for j in range(3)]
        bulk_members(cells, 20)
    large = [count_queries(client, p)[0] for p in paths]
    assert small == large


def test_touching_what_lies_outside_the_scope_is_said_on_the_form(
    client, tree, city_staff
):
    # The city's staff cannot move the city: its parent is outside their scope.
    client.force_login(city_staff)
    response = client.post(
        url("organization_rename", tree.city.pk),
        {**merge_data(tree), "name": "Đảng bộ thành phố mới"},
    )
    assert response.status_code == 200  # renaming their own: fine
    response = client.post(
        url("organization_merge", tree.city.pk),
        merge_data(tree, target="", new_name="Mới", new_code="MOI"),
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Restructuring.objects.exists()
