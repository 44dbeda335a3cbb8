"""The admin of users: staff administer only the users of their scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from portal.models import User
from portal.roles import Role
from tests.factories import user


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def city_admin(tree) -> User:
    account = user("cityadmin", tree.city, is_staff=True, language="en")
    # Administering users is not a role: it is granted one by one.
    from django.contrib.auth.models import Permission

    account.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="portal",
            codename__in=["view_user", "change_user", "add_user"],
        )
    )
    return account


@pytest.fixture
def city_client(client, city_admin):
    client.force_login(city_admin)
    return client


def change_data(account: User, **overrides) -> dict:
    data = {
        "username": account.username,
        "full_name": account.full_name,
        "email": account.email,
        "language": "en",
        "scope": account.scope_id or "",
        "is_active": "on",
        "is_staff": "on",
        "groups": [g.pk for g in account.groups.all()],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_staff_see_only_the_users_of_their_scope(city_client, tree, admin_user):
    cell_user = user("celluser", tree.city_cell)
    user("districtuser", tree.district)
    user("provinceuser", tree.province)
    response = city_client.get(reverse("admin:portal_user_changelist"))
    shown = {u.username for u in response.context["cl"].result_list}
    assert shown == {"cityadmin", cell_user.username}


def test_a_user_outside_the_scope_answers_404(city_client, tree):
    outsider = user("districtuser", tree.district)
    url = reverse("admin:portal_user_change", args=[outsider.pk])
    assert city_client.get(url).status_code == 404
    password = reverse("admin:auth_user_password_change", args=[outsider.pk])
    assert city_client.get(password).status_code == 404


def test_staff_cannot_grant_superuser(city_client, tree):
    cell_user = user("celluser", tree.city_cell)
    url = reverse("admin:portal_user_change", args=[cell_user.pk])
    page = city_client.get(url)
    assert "is_superuser" not in page.context["adminform"].form.fields
    response = city_client.post(url, change_data(cell_user, is_superuser="on"))
    assert response.status_code == 302
    cell_user.refresh_from_db()
    assert not cell_user.is_superuser


def test_staff_cannot_give_a_scope_outside_their_own(city_client, tree):
    cell_user = user("celluser", tree.city_cell)
    url = reverse("admin:portal_user_change", args=[cell_user.pk])
    response = city_client.post(url, change_data(cell_user, scope=tree.district.pk))
    assert response.status_code == 200
    assert "scope" in response.context["adminform"].form.errors
    cell_user.refresh_from_db()
    assert cell_user.scope == tree.city_cell


def test_scope_autocomplete_offers_only_the_scope(city_client, tree):
    response = city_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "portal", "model_name": "user", "field_name": "scope"},
    )
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert tree.city.pk in ids
    assert tree.province.pk not in ids
    assert tree.district.pk not in ids


def test_staff_add_a_user_with_a_role_inside_their_scope(city_client, tree):
    response = city_client.post(
        reverse("admin:portal_user_add"),
        {
            "username": "newclerk",
            "full_name": "Hoàng Thị Lan",
            "email": "lan@example.org",
            "language": "vi",
            "scope": tree.city_cell.pk,
            "usable_password": "true",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="newclerk")
    assert created.scope == tree.city_cell
    assert not created.is_superuser


def test_a_new_user_needs_a_scope(city_client, tree):
    response = city_client.post(
        reverse("admin:portal_user_add"),
        {
            "username": "noscope",
            "email": "n@example.org",
            "language": "vi",
            "scope": "",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
        },
    )
    assert response.status_code == 200
    assert "needs a scope organization" in str(
        response.context["adminform"].form.errors
    )
    assert not User.objects.filter(username="noscope").exists()


def test_a_superuser_assigns_roles(client, admin_user, tree):
    client.force_login(admin_user)
    clerk = user("clerk", tree.city, Role.VIEWER)
    emulation = Group.objects.get(name=Role.EMULATION)
    url = reverse("admin:portal_user_change", args=[clerk.pk])
    response = client.post(url, change_data(clerk, groups=[emulation.pk]))
    assert response.status_code == 302
    assert list(clerk.groups.values_list("name", flat=True)) == [Role.EMULATION]


def test_admin_site_header_is_the_portals(client, admin_user):
    admin_user.language = "en"
    admin_user.save()
    client.force_login(admin_user)
    response = client.get(reverse("admin:index"))
    assert "Party Committee Portal administration" in response.content.decode()
