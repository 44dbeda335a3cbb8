"""Walk every URL pattern of the portal and check who may reach what.

- Anonymous visitors are sent to the login page from every page that is not
  explicitly public.
- Staff of the city, holding every role, asking for any object of the sibling
  district (by every URL that names an object) get 404, on GET and on POST:
  the object's existence is not revealed.
- A Viewer of the city posting to any page of their own scope gets 403 (405
  where the page takes no POST at all) and nothing changes.

A new URL whose kwargs this test cannot fill makes it fail: add the kwarg to
``object_kwargs`` below, so that no page escapes the walk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from committees import restructuring
from committees import services as committee_services
from committees.models import Body, InterruptionReason, Role
from tests.factories import term_2020

# Pages anybody may open (login and password reset, the language switch).
PUBLIC = {
    "login",
    "logout",
    "set_language",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
# A user's own account: every signed-in user may change these.
OWN_ACCOUNT = {
    "password_change",
    "password_change_done",
    "preferences",
    "congresses:calendar_renew",
}
# Prefixes the walk leaves to their own tests (Django's admin has its own
# scoping tests in tests/committees/test_admin.py).
SKIPPED_PREFIXES = ("admin/", "static/", "media/")


@dataclass(frozen=True)
class Route:
    route: str
    name: str
    kwargs: tuple[str, ...]


def _walk(patterns, prefix="", namespace="") -> list[Route]:
    routes = []
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}{p.namespace}:"
            routes += _walk(p.url_patterns, route, ns)
        elif isinstance(p, URLPattern):
            converters = (
                p.pattern.converters if hasattr(p.pattern, "converters") else {}
            )
            routes.append(Route(route, namespace + (p.name or ""), tuple(converters)))
    return routes


def all_routes() -> list[Route]:
    return [
        r
        for r in _walk(get_resolver().url_patterns)
        if not r.route.startswith(SKIPPED_PREFIXES)
    ]


def build_url(route: Route, values: dict) -> str:
    from django.urls import reverse

    return reverse(route.name, kwargs={k: values[k] for k in route.kwargs})


def object_kwargs(tree, member, *, suffix: str, job_owner=None) -> dict:
    """One object of every kind inside ``tree``'s branch named by ``suffix``."""
    branch = {
        "city": (tree.city, tree.city_grassroots, tree.city_cell),
        "district": (tree.district, tree.district_grassroots, tree.district_cell),
    }[suffix]
    top, grassroots, cell = branch
    position = committee_services.appoint_position(
        acting_user=None,
        member=member,
        organization=top,
        body=Body.EXECUTIVE,
        role=Role.MEMBER,
        term=term_2020(),
        started_on=date(2021, 1, 1),
    )
    rating = committee_services.rate(
        acting_user=None, member=member, year=2023, grade="good"
    )
    interruption = committee_services.add_interruption(
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
        reason="URL walk",
        decision_number="1-QĐ/TU",
    )
    values = {
        "org_id": cell.pk,
        "member_id": member.pk,
        "position_id": position.pk,
        "rating_id": rating.pk,
        "interruption_id": interruption.pk,
        "restructuring_id": restructured.pk,
        "year": 2023,
    }
    values.update(_extra_kwargs(top, grassroots, cell, member))
    from tests.portal.jobs_walk import jobs_kwargs

    values.update(jobs_kwargs(top=top, cell=cell, suffix=suffix, job_owner=job_owner))
    from tests.committees.transfers_walk import transfer_kwargs

    values.update(transfer_kwargs(grassroots=grassroots, cell=cell, suffix=suffix))
    return values


def _extra_kwargs(top, grassroots, cell, member) -> dict:
    """Objects of the other apps, each built by that app's own services."""
    extra: dict = {}
    try:
        from tests.congresses.walk import walk_kwargs
    except ImportError:
        return extra
    extra.update(walk_kwargs(top=top, grassroots=grassroots, cell=cell, member=member))
    try:
        from tests.awards.walk import walk_kwargs as awards_kwargs
    except ImportError:
        return extra
    extra.update(
        awards_kwargs(top=top, grassroots=grassroots, cell=cell, member=member)
    )
    return extra


def _unfilled(routes, values):
    return sorted(
        {
            k
            for r in routes
            for k in r.kwargs
            if k not in values and r.name not in PUBLIC
        }
    )


@pytest.fixture
def district_objects(tree, district_member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads of the walk
    return object_kwargs(tree, district_member, suffix="district")


@pytest.fixture
def city_objects(tree, city_member, city_viewer, settings, tmp_path):
    # The viewer's own job: a read page, so a POST answers 405.
    settings.MEDIA_ROOT = tmp_path / "media"
    return object_kwargs(tree, city_member, suffix="city", job_owner=city_viewer)


def test_every_url_kwarg_is_known(district_objects):
    missing = _unfilled(all_routes(), district_objects)
    assert not missing, f"teach the URL walk these kwargs: {missing}"


def test_anonymous_visitors_are_sent_to_login(client, district_objects):
    checked = 0
    for route in all_routes():
        if route.name in PUBLIC or route.name.endswith("_public"):
            continue
        url = build_url(route, district_objects)
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
        checked += 1
    assert checked > 10


def test_staff_get_404_for_every_object_of_a_sibling_organization(
    client, city_staff, district_objects
):
    client.force_login(city_staff)
    checked = 0
    for route in all_routes():
        if not route.kwargs or route.name in PUBLIC or route.kwargs == ("year",):
            continue
        url = build_url(route, district_objects)
        assert client.get(url).status_code == 404, f"GET {url}"
        assert client.post(url).status_code == 404, f"POST {url}"
        checked += 1
    assert checked > 10


def test_a_viewer_can_change_nothing(client, city_viewer, city_objects):
    from django.apps import apps

    def snapshot():
        return {
            m._meta.label: m._default_manager.count()
            for m in apps.get_models()
            if m._meta.app_label in {"committees", "congresses", "awards"}
        }

    client.force_login(city_viewer)
    before = snapshot()
    checked = 0
    for route in all_routes():
        if route.name in PUBLIC or route.name in OWN_ACCOUNT:
            continue
        url = build_url(route, city_objects)
        status = client.post(url, {"name": "x", "grade": "excellent"}).status_code
        assert status in (403, 405), f"POST {url} answered {status}"
        checked += 1
    assert checked > 10
    assert snapshot() == before


def test_the_walk_sees_the_main_pages():
    names = {r.name for r in all_routes()}
    assert {"dashboard", "committees:member_list", "committees:member_detail"} <= names
