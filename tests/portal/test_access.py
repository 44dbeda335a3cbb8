"""visible_to and its helpers: who sees which rows of each scoped model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from committees import services
from committees.models import (
    Body,
    Grade,
    Interruption,
    Member,
    Organization,
    Position,
    Rating,
    RatingFinalization,
    Role,
)
from portal.access import (
    ensure_in_scope,
    get_visible_or_404,
    is_in_scope,
    scope_path,
    staff_required,
)
from portal.roles import Role as PortalRole
from tests.factories import term_2020, user


@dataclass
class World:
    """One row of each scoped model on each side of the province."""

    rows: dict[str, dict[str, object]]  # model name -> side -> row

    def of(self, model: str, *sides: str) -> set:
        return {self.rows[model][side] for side in sides}


@pytest.fixture
def world(tree, city_member, district_member) -> World:
    term = term_2020()
    rows: dict[str, dict[str, object]] = {
        "organization": {},
        "member": {"city": city_member, "district": district_member},
        "position": {},
        "rating": {},
        "interruption": {},
        "ratingfinalization": {},
    }
    for side, organization, member in (
        ("city", tree.city, city_member),
        ("district", tree.district, district_member),
    ):
        rows["position"][side] = services.appoint_position(
            acting_user=None,
            member=member,
            organization=organization,
            body=Body.EXECUTIVE,
            role=Role.MEMBER,
            term=term,
            started_on=date(2020, 11, 1),
        )
        rows["interruption"][side] = services.add_interruption(
            acting_user=None,
            member=member,
            started_on=date(2012, 1, 1),
            ended_on=date(2012, 6, 30),
            reason="lost_contact",
        )
        rows["rating"][side] = services.rate(
            acting_user=None, member=member, year=2023, grade=Grade.GOOD
        )
        rows["ratingfinalization"][side] = services.finalize_ratings(
            acting_user=None,
            unit=rows["rating"][side].unit,
            year=2023,
        )
    # An organization's rating is placed by the organization rated.
    rows["rating"]["city_org"] = services.rate(
        acting_user=None, organization=tree.city_grassroots, year=2023, grade="good"
    )
    rows["rating"]["province_org"] = services.rate(
        acting_user=None, organization=tree.province, year=2023, grade="good"
    )
    rows["organization"] = {
        "province": tree.province,
        "city": tree.city,
        "city_grassroots": tree.city_grassroots,
        "city_cell": tree.city_cell,
        "city_cell_2": tree.city_cell_2,
        "district": tree.district,
        "district_grassroots": tree.district_grassroots,
        "district_cell": tree.district_cell,
    }
    return World(rows)


MODELS = {
    "organization": Organization,
    "member": Member,
    "position": Position,
    "rating": Rating,
    "interruption": Interruption,
    "ratingfinalization": RatingFinalization,
}


def visible(model: str, who) -> set:
    return set(MODELS[model].objects.visible_to(who))


@pytest.mark.parametrize("model", MODELS)
def test_a_superuser_sees_every_row(world, admin_user, model):
    assert visible(model, admin_user) == set(MODELS[model].objects.all())
    assert visible(model, admin_user)


@pytest.mark.parametrize("model", MODELS)
def test_province_staff_see_the_whole_province(world, province_staff, model):
    assert visible(model, province_staff) == set(MODELS[model].objects.all())


@pytest.mark.parametrize("model", MODELS)
def test_nobody_signed_out_sees_anything(world, model):
    assert visible(model, AnonymousUser()) == set()


@pytest.mark.parametrize("model", MODELS)
def test_an_inactive_account_sees_nothing(world, tree, model):
    gone = user("gone", tree.city, is_active=False)
    assert visible(model, gone) == set()


CITY_SIDE = {
    "organization": ("city", "city_grassroots", "city_cell", "city_cell_2"),
    "member": ("city",),
    "position": ("city",),
    "rating": ("city", "city_org"),
    "interruption": ("city",),
    "ratingfinalization": ("city",),
}
DISTRICT_SIDE = {
    "organization": ("district", "district_grassroots", "district_cell"),
    "member": ("district",),
    "position": ("district",),
    "rating": ("district",),
    "interruption": ("district",),
    "ratingfinalization": ("district",),
}


@pytest.mark.parametrize("model", MODELS)
def test_city_staff_see_only_the_city_subtree(world, city_staff, model):
    assert visible(model, city_staff) == world.of(model, *CITY_SIDE[model])


@pytest.mark.parametrize("model", MODELS)
def test_staff_of_the_sibling_district_see_only_their_district(world, outsider, model):
    assert visible(model, outsider) == world.of(model, *DISTRICT_SIDE[model])


def test_a_cell_user_sees_only_the_cell(world, tree):
    cell_user = user("cell", tree.city_cell)
    assert visible("organization", cell_user) == {tree.city_cell}
    assert visible("member", cell_user) == world.of("member", "city")
    # Its member's seat is in the city committee, above the cell: a position
    # is placed by the organization whose body it is.
    assert visible("position", cell_user) == set()


def test_the_province_rating_is_seen_from_the_province_only(
    world, city_staff, province_staff
):
    province_rating = world.rows["rating"]["province_org"]
    assert province_rating in visible("rating", province_staff)
    assert province_rating not in visible("rating", city_staff)


# ---------------------------------------------------------------- helpers


def test_scope_path_says_everything_nothing_or_a_prefix(tree, admin_user, city_staff):
    assert scope_path(admin_user) == ""
    assert scope_path(AnonymousUser()) is None
    assert scope_path(city_staff) == tree.city.path


def test_is_in_scope_covers_the_subtree_only(tree, city_staff):
    assert is_in_scope(city_staff, tree.city.path)
    assert is_in_scope(city_staff, tree.city_cell.path)
    assert not is_in_scope(city_staff, tree.province.path)
    assert not is_in_scope(city_staff, tree.district.path)


def test_ensure_in_scope_refuses_outside_and_lets_system_actors_through(
    tree, city_staff
):
    ensure_in_scope(city_staff, tree.city_cell)
    ensure_in_scope(None, tree.district)
    with pytest.raises(PermissionDenied):
        ensure_in_scope(city_staff, tree.district)


def test_get_visible_or_404_hides_rows_outside_the_scope(
    city_staff, city_member, district_member
):
    assert get_visible_or_404(Member, city_staff, pk=city_member.pk) == city_member
    with pytest.raises(Http404):
        get_visible_or_404(Member, city_staff, pk=district_member.pk)
    with pytest.raises(Http404):
        get_visible_or_404(Member.objects.all(), city_staff, pk=0)


def _view(request):
    return HttpResponse("ok")


def test_staff_required_lets_a_role_holder_through(city_staff):
    request = RequestFactory().get("/")
    request.user = city_staff
    view = staff_required("committees.change_member")(_view)
    assert view(request).status_code == 200


def test_staff_required_refuses_a_viewer_a_change(tree):
    viewer = user("viewer", tree.city, PortalRole.VIEWER)
    request = RequestFactory().get("/")
    request.user = viewer
    assert staff_required()(_view)(request).status_code == 200
    with pytest.raises(PermissionDenied):
        staff_required("committees.change_member")(_view)(request)


def test_staff_required_sends_the_signed_out_to_log_in(db):
    request = RequestFactory().get("/members/")
    request.user = AnonymousUser()
    response = staff_required()(_view)(request)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
