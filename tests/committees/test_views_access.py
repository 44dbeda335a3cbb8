"""Who may reach which committees page: every route of the app is walked.

- staff of the sibling district get 404 for every object of the city (GET
  and POST), so its existence is not revealed;
- a Viewer of the city gets 403 on every form page (GET too) and on every
  POST, and nothing changes;
- anonymous visitors are sent to the login page.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.urls import get_resolver, reverse

from committees import restructuring, services
from committees.models import Body, InterruptionReason, Role
from tests.committees.transfers_walk import transfer_kwargs
from tests.factories import term_2020, user
from tests.portal.jobs_walk import walk_upload

#: Pages that only read: a Viewer may open them (and gets 405 on POST).
READ_PAGES = {
    "organization_tree",
    "organization_detail",
    "organization_children",
    "member_list",
    "members_due_official",
    "member_detail",
    "unit_ratings",
    "rating_overview",
    "restructuring_list",
    "restructuring_detail",
    "member_export",
    "transfer_list",
    "transfer_detail",
}
#: Pages that only take a POST (the pages before them hold their forms).
POST_ONLY = {
    "finalize_ratings",
    "member_import_check",
    "member_import_confirm",
    "member_import_cancel",
}


def committee_routes() -> list[tuple[str, tuple[str, ...]]]:
    resolver = get_resolver()
    _prefix, committees = next(
        (str(p.pattern), p)
        for p in resolver.url_patterns
        if getattr(p, "namespace", None) == "committees"
    )
    return [(p.name, tuple(p.pattern.converters)) for p in committees.url_patterns]


def objects_of(tree, member, *, top, grassroots, cell, uploader) -> dict[str, int]:
    """One object of every kind in a branch, keyed by URL kwarg."""
    position = services.appoint_position(
        acting_user=None,
        member=member,
        organization=top,
        body=Body.EXECUTIVE,
        role=Role.MEMBER,
        term=term_2020(),
        started_on=date(2021, 1, 1),
    )
    rating = services.rate(acting_user=None, member=member, year=2023, grade="good")
    interruption = services.add_interruption(
        acting_user=None,
        member=member,
        started_on=date(2015, 1, 1),
        ended_on=date(2015, 6, 1),
        reason=InterruptionReason.LOST_CONTACT,
    )
    restructured = restructuring.rename_organization(
        acting_user=None,
        organization=grassroots,
        name=f"{grassroots.name} mới",
        effective_on=date(2025, 7, 1),
        reason="Walk",
        decision_number="1-QĐ/TU",
    )
    return {
        "org_id": cell.pk,
        "unit_id": grassroots.pk,
        "restructuring_id": restructured.pk,
        "member_id": member.pk,
        "position_id": position.pk,
        "rating_id": rating.pk,
        "interruption_id": interruption.pk,
        "year": 2023,
        "upload_id": walk_upload(owner=uploader, cell=cell),
        **transfer_kwargs(grassroots=grassroots, cell=cell, suffix=uploader.username),
    }


def build(name: str, kwargs: tuple[str, ...], values: dict[str, int]) -> str:
    filled = {k: values[k] for k in kwargs}
    # unit pages take a grassroots organization, not a cell
    if name in {"unit_ratings", "finalize_ratings"}:
        filled["org_id"] = values["unit_id"]
    return reverse(f"committees:{name}", kwargs=filled)


def snapshot() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label == "committees"
    }


@pytest.fixture
def district_objects(tree, district_member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the walk's uploaded file
    return objects_of(
        tree,
        district_member,
        top=tree.district,
        grassroots=tree.district_grassroots,
        cell=tree.district_cell,
        uploader=user("district-importer", tree.district),
    )


@pytest.fixture
def city_objects(tree, city_member, city_staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return objects_of(
        tree,
        city_member,
        top=tree.city,
        grassroots=tree.city_grassroots,
        cell=tree.city_cell,
        uploader=city_staff,
    )


def test_the_walk_covers_the_pages_of_the_issue():
    names = {name for name, _kwargs in committee_routes()}
    assert len(names) >= 26
    assert READ_PAGES <= names


def test_staff_of_a_sibling_district_get_404_for_every_object(
    client, city_staff, district_objects
):
    client.force_login(city_staff)
    before = snapshot()
    checked = 0
    for name, kwargs in committee_routes():
        if not kwargs or kwargs == ("year",):
            continue
        path = build(name, kwargs, district_objects)
        assert client.get(path).status_code == 404, f"GET {path}"
        assert client.post(path, {"grade": "excellent"}).status_code == 404, path
        checked += 1
    assert checked >= 21
    assert snapshot() == before


def test_an_organization_filter_outside_the_scope_answers_404(client, city_staff, tree):
    client.force_login(city_staff)
    response = client.get(reverse("committees:member_list"), {"org": tree.district.pk})
    assert response.status_code == 404


def test_a_viewer_gets_403_on_every_form_page_and_every_post(
    client, city_viewer, city_objects
):
    client.force_login(city_viewer)
    before = snapshot()
    for name, kwargs in committee_routes():
        path = build(name, kwargs, city_objects)
        get_status = client.get(path).status_code
        if name in READ_PAGES:
            assert get_status == 200, f"GET {path}"
            expected_post = 405
        else:
            assert get_status == 403, f"GET {path} answered {get_status}"
            expected_post = 403
        response = client.post(path, {"name": "x", "grade": "excellent", "year": 2023})
        assert response.status_code == expected_post, f"POST {path}"
    assert snapshot() == before


def test_city_staff_open_every_page_of_their_scope(client, city_staff, city_objects):
    client.force_login(city_staff)
    for name, kwargs in committee_routes():
        if name in POST_ONLY:
            continue
        path = build(name, kwargs, city_objects)
        assert client.get(path).status_code == 200, f"GET {path}"


def test_anonymous_visitors_are_sent_to_login(client, city_objects):
    for name, kwargs in committee_routes():
        path = build(name, kwargs, city_objects)
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/"), path
