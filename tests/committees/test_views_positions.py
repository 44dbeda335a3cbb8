"""Positions: appoint from the organization page, edit, end, delete."""

from __future__ import annotations

from datetime import date

import pytest

from committees import services
from committees.models import Body, MemberStatus, Position, Role
from tests.committees.pages import url
from tests.factories import MemberFactory, term_2020


@pytest.fixture
def term(db):
    return term_2020()


@pytest.fixture
def secretary(tree, city_member, term):
    return services.appoint_position(
        acting_user=None,
        member=city_member,
        organization=tree.city,
        body=Body.EXECUTIVE,
        role=Role.SECRETARY,
        term=term,
        started_on=date(2021, 1, 1),
    )


def appointment(member, term, **extra):
    return {
        "member": member.pk,
        "body": Body.EXECUTIVE,
        "role": Role.DEPUTY_SECRETARY,
        "term": term.pk,
        "started_on": "15/01/2021",
        "state_title": "Chủ tịch UBND",
        **extra,
    }


def test_the_board_appoints_an_active_member_of_the_subtree(
    client, city_staff, tree, term
):
    member = MemberFactory(full_name="Nguyễn Thị Hương", organization=tree.city_cell_2)
    client.force_login(city_staff)
    response = client.post(url("position_add", tree.city.pk), appointment(member, term))
    assert response.status_code == 302
    assert response["Location"] == url("organization_detail", tree.city.pk)
    position = Position.objects.get()
    assert (position.member, position.organization) == (member, tree.city)
    assert position.state_title == "Chủ tịch UBND"
    assert position.history.first().history_user == city_staff


def test_the_member_choices_are_the_active_members_of_the_subtree(
    client, city_staff, tree, term
):
    inside = MemberFactory(organization=tree.city_cell)
    MemberFactory(
        organization=tree.city_cell,
        status=MemberStatus.DECEASED,
        status_changed_on=date(2020, 1, 1),
    )
    MemberFactory(organization=tree.district_cell)
    other_branch = MemberFactory(organization=tree.city_cell_2)
    client.force_login(city_staff)
    page = client.get(url("position_add", tree.city_cell.pk))
    assert list(page.context["form"].fields["member"].queryset) == [inside]
    response = client.post(
        url("position_add", tree.city_cell.pk), appointment(other_branch, term)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["member"]
    assert not Position.objects.exists()


def test_the_member_search_fills_the_select_without_diacritics(
    client, city_staff, tree
):
    huong = MemberFactory(full_name="Nguyễn Thị Hương", organization=tree.city_cell)
    MemberFactory(full_name="Trần Văn Bình", organization=tree.city_cell)
    MemberFactory(full_name="Nguyễn Thị Hương", organization=tree.district_cell)
    client.force_login(city_staff)
    response = client.get(
        url("position_member_options", tree.city.pk),
        {"q": "nguyen thi huong"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert [pk for pk, _label in response.context["options"]] == [huong.pk]
    assert "<option" in response.content.decode()


def test_a_second_secretary_is_refused_with_the_services_message(
    client, city_staff, tree, term, secretary
):
    other = MemberFactory(organization=tree.city_cell)
    client.force_login(city_staff)
    response = client.post(
        url("position_add", tree.city.pk),
        appointment(other, term, role=Role.SECRETARY),
    )
    assert response.status_code == 200
    assert "already has a current Secretary" in response.content.decode()
    assert Position.objects.count() == 1


def test_appointing_in_an_organization_outside_the_scope_answers_404(
    client, city_staff, tree, term, district_member
):
    client.force_login(city_staff)
    response = client.post(
        url("position_add", tree.district.pk), appointment(district_member, term)
    )
    assert response.status_code == 404
    assert not Position.objects.exists()


def test_a_viewer_cannot_appoint(client, city_viewer, tree, term, city_member):
    client.force_login(city_viewer)
    path = url("position_add", tree.city.pk)
    assert client.get(path).status_code == 403
    assert client.post(path, appointment(city_member, term)).status_code == 403
    assert not Position.objects.exists()


def test_the_board_edits_a_position(client, city_staff, secretary, term):
    client.force_login(city_staff)
    response = client.post(
        url("position_edit", secretary.pk),
        {
            "body": Body.EXECUTIVE,
            "role": Role.SECRETARY,
            "term": term.pk,
            "started_on": "01/02/2021",
            "ended_on": "",
            "state_title": "Bí thư Thành ủy",
        },
    )
    assert response.status_code == 302
    secretary.refresh_from_db()
    assert secretary.started_on == date(2021, 2, 1)
    assert secretary.state_title == "Bí thư Thành ủy"


def test_a_role_outside_its_body_is_refused(client, city_staff, secretary, term):
    client.force_login(city_staff)
    response = client.post(
        url("position_edit", secretary.pk),
        {
            "body": Body.INSPECTION,
            "role": Role.SECRETARY,
            "term": term.pk,
            "started_on": "01/01/2021",
        },
    )
    assert response.status_code == 200
    assert "does not sit in" in str(response.context["form"].errors["role"])
    secretary.refresh_from_db()
    assert secretary.body == Body.EXECUTIVE


def test_the_board_ends_a_position_once(client, city_staff, secretary):
    client.force_login(city_staff)
    response = client.post(
        url("position_end", secretary.pk), {"ended_on": "30/06/2025"}
    )
    assert response.status_code == 302
    secretary.refresh_from_db()
    assert secretary.ended_on == date(2025, 6, 30)
    again = client.post(url("position_end", secretary.pk), {"ended_on": "30/07/2025"})
    assert again.status_code == 200
    assert "already ended" in again.content.decode()
    secretary.refresh_from_db()
    assert secretary.ended_on == date(2025, 6, 30)


def test_an_end_before_the_start_is_refused(client, city_staff, secretary):
    client.force_login(city_staff)
    response = client.post(
        url("position_end", secretary.pk), {"ended_on": "01/01/2020"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    secretary.refresh_from_db()
    assert secretary.ended_on is None


def test_deleting_a_position_asks_first(client, city_staff, secretary):
    client.force_login(city_staff)
    confirm = client.get(url("position_delete", secretary.pk))
    assert 'data-testid="confirm-delete"' in confirm.content.decode()
    assert Position.objects.exists()
    response = client.post(url("position_delete", secretary.pk))
    assert response.status_code == 302
    assert not Position.objects.exists()


def test_a_viewer_cannot_change_a_position(client, city_viewer, secretary):
    client.force_login(city_viewer)
    for name in ("position_edit", "position_end", "position_delete"):
        assert (
            client.post(url(name, secretary.pk), {"ended_on": "x"}).status_code == 403
        )
    secretary.refresh_from_db()
    assert secretary.ended_on is None
