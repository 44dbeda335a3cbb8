"""The Django admin: scoped by visible_to, saving through the services."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from committees import services
from committees.models import (
    Body,
    FinalizationStatus,
    Grade,
    Member,
    MemberStatus,
    Organization,
    Position,
    Rating,
    RatingFinalization,
    Role,
)
from portal.models import User
from portal.roles import Role as PortalRole
from tests.factories import K, MemberFactory, term_2020, user


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def city_admin(tree) -> User:
    """City staff with every role who may use the admin."""
    return user("cityadmin", tree.city, is_staff=True, language="en")


@pytest.fixture
def city_admin_client(client, city_admin):
    client.force_login(city_admin)
    return client


@pytest.fixture
def superuser_client(client, admin_user):
    admin_user.language = "en"
    admin_user.save()
    client.force_login(admin_user)
    return client


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


def member_post(organization, **overrides) -> dict:
    data = {
        "full_name": "Lê Thị Mai",
        "birth_date": "1990-04-02",
        "gender": "female",
        "card_number": "55501234",
        "citizen_id": "",
        "organization": organization.pk,
        "admitted_on": "2015-06-01",
        "official_on": "2016-06-01",
        "status": MemberStatus.OFFICIAL,
        "status_changed_on": "",
        "note": "",
        # the interruption inline (change view only; harmless on add)
        "interruptions-TOTAL_FORMS": "0",
        "interruptions-INITIAL_FORMS": "0",
        "interruptions-MIN_NUM_FORMS": "0",
        "interruptions-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------- scope


def test_city_staff_sees_only_city_members_in_the_changelist(
    city_admin_client, city_member, district_member
):
    response = city_admin_client.get(changelist_url(Member))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [city_member]


def test_city_staff_tree_starts_at_their_scope(city_admin_client, tree):
    response = city_admin_client.get(changelist_url(Organization))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [tree.city]
    body = response.content.decode()
    assert tree.province.name not in body
    assert tree.district.name not in body


def test_children_of_an_organization_outside_the_scope_answer_404(
    city_admin_client, tree
):
    base = changelist_url(Organization)
    assert city_admin_client.get(f"{base}children/{tree.city.pk}/").status_code == 200
    outside = city_admin_client.get(f"{base}children/{tree.province.pk}/")
    assert outside.status_code == 404


def test_children_view_lists_the_next_level_indented_from_the_scope(
    city_admin_client, tree
):
    base = changelist_url(Organization)
    data = city_admin_client.get(f"{base}children/{tree.city.pk}/").json()
    assert [row["node-id"] for row in data["tree_context"]] == [
        str(tree.city_grassroots.pk)
    ]
    assert data["tree_context"][0]["level"] == 2


@pytest.mark.parametrize(
    "view", ["change", "delete", "history"], ids=["change", "delete", "history"]
)
def test_admin_pages_of_a_district_member_answer_404_to_city_staff(
    city_admin_client, district_member, view
):
    url = reverse(f"admin:committees_member_{view}", args=[district_member.pk])
    assert city_admin_client.get(url).status_code == 404


def test_change_page_of_a_district_organization_answers_404_to_city_staff(
    city_admin_client, tree
):
    assert city_admin_client.get(change_url(tree.district)).status_code == 404
    assert city_admin_client.get(change_url(tree.city)).status_code == 200


def test_history_revision_page_outside_the_scope_answers_404(
    city_admin_client, district_member
):
    record = district_member.history.first()
    url = reverse(
        "admin:committees_member_simple_history",
        args=[district_member.pk, record.history_id],
    )
    assert city_admin_client.get(url).status_code == 404


def test_organization_autocomplete_for_members_offers_only_cells_in_scope(
    city_admin_client, tree
):
    response = city_admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "committees",
            "model_name": "member",
            "field_name": "organization",
            "term": "",
        },
    )
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert ids == {tree.city_cell.pk, tree.city_cell_2.pk}


def test_member_autocomplete_is_scoped(city_admin_client, city_member, district_member):
    response = city_admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "committees",
            "model_name": "position",
            "field_name": "member",
            "term": "",
        },
    )
    assert [int(row["id"]) for row in response.json()["results"]] == [city_member.pk]


def test_a_member_cannot_be_put_into_an_organization_outside_the_scope(
    city_admin_client, tree
):
    response = city_admin_client.post(
        reverse("admin:committees_member_add"), member_post(tree.district_cell)
    )
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert not Member.objects.filter(card_number="55501234").exists()


# ---------------------------------------------------------------- pages


def test_tree_admin_page_renders_for_a_superuser(superuser_client, tree):
    response = superuser_client.get(changelist_url(Organization))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [tree.province]
    body = response.content.decode()
    assert 'id="tree-context"' in body
    # Superusers may drag nodes: the switch that turns it off is absent.
    assert 'id="has-change-permission"' not in body
    assert "Party Committee Portal administration" in body


def test_drag_and_drop_is_switched_off_for_staff(city_admin_client, tree):
    body = city_admin_client.get(changelist_url(Organization)).content.decode()
    assert '<input type="hidden" id="has-change-permission" value="0">' in body


def test_organization_search_works_without_diacritics(city_admin_client, tree):
    response = city_admin_client.get(
        changelist_url(Organization), {"q": "phuong tran phu"}
    )
    assert list(response.context["cl"].result_list) == [tree.city_grassroots]


def test_organization_search_finds_a_code(city_admin_client, tree):
    response = city_admin_client.get(changelist_url(Organization), {"q": "tp-bg-tp-2"})
    assert list(response.context["cl"].result_list) == [tree.city_cell_2]


def test_organization_filter_by_level_lists_the_matching_kinds(superuser_client, tree):
    response = superuser_client.get(changelist_url(Organization), {"level": "district"})
    assert set(response.context["cl"].result_list) == {tree.city, tree.district}


def test_member_search_works_without_diacritics(city_admin_client, city_member, tree):
    MemberFactory(full_name="Phạm Văn Đức", organization=tree.city_cell)
    response = city_admin_client.get(changelist_url(Member), {"q": "nguyen van gau"})
    assert list(response.context["cl"].result_list) == [city_member]


def test_member_search_finds_a_card_number(city_admin_client, city_member):
    response = city_admin_client.get(
        changelist_url(Member), {"q": city_member.card_number}
    )
    assert list(response.context["cl"].result_list) == [city_member]


def test_member_changelist_query_count_does_not_grow(
    city_admin_client, tree, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert city_admin_client.get(changelist_url(Member)).status_code == 200
        return len(ctx.captured_queries)

    MemberFactory.create_batch(2, organization=tree.city_cell)
    small = count()
    MemberFactory.create_batch(20, organization=tree.city_cell_2)
    assert count() == small


def test_a_viewer_cannot_change_a_member(client, tree, city_member):
    viewer = user(
        "adminviewer", tree.city, PortalRole.VIEWER, is_staff=True, language="en"
    )
    client.force_login(viewer)
    url = change_url(city_member)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client.post(
        url, member_post(tree.city_cell, full_name="Changed By Viewer")
    )
    assert response.status_code == 403
    city_member.refresh_from_db()
    assert city_member.full_name == "Nguyễn Văn Gấu"


# ---------------------------------------------------------------- saving


def test_adding_a_member_goes_through_the_service_and_records_who(
    city_admin_client, city_admin, tree
):
    response = city_admin_client.post(
        reverse("admin:committees_member_add"), member_post(tree.city_cell)
    )
    assert response.status_code == 302
    member = Member.objects.get(card_number="55501234")
    assert member.search_key == "le thi mai"
    assert member.history.get().history_user == city_admin


def test_the_admin_shows_a_membership_rule_next_to_its_field(city_admin_client, tree):
    response = city_admin_client.post(
        reverse("admin:committees_member_add"),
        member_post(tree.city_cell, official_on="2016-05-31"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "at least 12 months after admission" in errors["official_on"][0]
    assert not Member.objects.filter(card_number="55501234").exists()


def test_the_admin_refuses_a_member_in_a_committee(city_admin_client, tree):
    response = city_admin_client.post(
        reverse("admin:committees_member_add"), member_post(tree.city_grassroots)
    )
    # Grassroots committees are not offered by the autocomplete, but a typed
    # id still meets the service's rule.
    errors = response.context["adminform"].form.errors
    assert "party cell" in errors["organization"][0]


def test_changing_a_member_goes_through_the_service(
    city_admin_client, city_admin, city_member, tree
):
    response = city_admin_client.post(
        change_url(city_member),
        member_post(
            tree.city_cell_2,
            full_name="Nguyễn Văn Gấu",
            card_number=city_member.card_number,
            admitted_on="2010-03-02",
            official_on="2011-03-02",
            birth_date="1980-05-17",
            gender="male",
        ),
    )
    assert response.status_code == 302
    city_member.refresh_from_db()
    assert city_member.organization == tree.city_cell_2
    assert city_member.history.first().history_user == city_admin


def test_an_interruption_is_added_through_the_member_page(
    city_admin_client, city_member, tree
):
    data = member_post(
        tree.city_cell,
        full_name=city_member.full_name,
        card_number=city_member.card_number,
        admitted_on="2010-03-02",
        official_on="2011-03-02",
        birth_date="1980-05-17",
        gender="male",
    )
    data.update(
        {
            "interruptions-TOTAL_FORMS": "1",
            "interruptions-0-started_on": "2005-01-01",
            "interruptions-0-ended_on": "2006-01-01",
            "interruptions-0-reason": "lost_contact",
            "interruptions-0-note": "",
        }
    )
    refused = city_admin_client.post(change_url(city_member), data)
    assert refused.status_code == 200
    assert city_member.interruptions.count() == 0
    data["interruptions-0-started_on"] = "2015-01-01"
    data["interruptions-0-ended_on"] = "2016-01-01"
    assert city_admin_client.post(change_url(city_member), data).status_code == 302
    assert city_member.interruptions.get().started_on == date(2015, 1, 1)


def test_adding_an_organization_uses_the_parent_kinds(city_admin_client, tree):
    url = reverse("admin:committees_organization_add")
    data = {
        "treebeard_ref_node": tree.city_grassroots.pk,
        "name": "Chi bộ tổ dân phố số 3",
        "code": "tp-bg-tp-3",
        "kind": K.DISTRICT,
        "established_on": "",
        "note": "",
    }
    refused = city_admin_client.post(url, data)
    assert refused.status_code == 200
    assert "cannot hold" in str(refused.context["adminform"].form.errors)
    data["kind"] = K.CELL
    assert city_admin_client.post(url, data).status_code == 302
    created = Organization.objects.get(code="TP-BG-TP-3")
    assert created.path.startswith(tree.city_grassroots.path)
    assert created.depth == tree.city_grassroots.depth + 1


def test_staff_cannot_add_an_organization_outside_their_scope(city_admin_client, tree):
    response = city_admin_client.post(
        reverse("admin:committees_organization_add"),
        {
            "treebeard_ref_node": tree.district_grassroots.pk,
            "name": "Chi bộ lạ",
            "code": "X-1",
            "kind": K.CELL,
        },
    )
    assert response.status_code == 200
    assert "treebeard_ref_node" in response.context["adminform"].form.errors
    assert not Organization.objects.filter(code="X-1").exists()


def test_staff_cannot_move_a_node(city_admin_client, tree):
    url = changelist_url(Organization) + "move/"
    response = city_admin_client.post(
        url,
        {"node": tree.city_cell_2.pk, "target": tree.city.pk, "relation": "child"},
    )
    assert response.status_code == 403
    tree.city_cell_2.refresh_from_db()
    assert tree.city_cell_2.path.startswith(tree.city_grassroots.path)


def test_the_staff_change_form_has_no_move_fields(city_admin_client, tree):
    response = city_admin_client.get(change_url(tree.city_cell))
    assert "treebeard_ref_node" not in response.context["adminform"].form.fields


def test_a_superuser_move_must_respect_the_parent_kinds(superuser_client, tree):
    url = changelist_url(Organization) + "move/"
    refused = superuser_client.post(
        url,
        {"node": tree.city_cell_2.pk, "target": tree.city.pk, "relation": "child"},
    )
    assert refused.status_code == 400
    tree.city_cell_2.refresh_from_db()
    assert tree.city_cell_2.path.startswith(tree.city_grassroots.path)
    moved = superuser_client.post(
        url,
        {
            "node": tree.city_cell_2.pk,
            "target": tree.district_grassroots.pk,
            "relation": "child",
        },
    )
    assert moved.status_code == 200
    tree.city_cell_2.refresh_from_db()
    assert tree.city_cell_2.path.startswith(tree.district_grassroots.path)


def _positions_post(organization, rows: list[dict], initial: int = 0) -> dict:
    data = {
        "name": organization.name,
        "code": organization.code,
        "established_on": "",
        "note": "",
        "positions-TOTAL_FORMS": str(len(rows)),
        "positions-INITIAL_FORMS": str(initial),
        "positions-MIN_NUM_FORMS": "0",
        "positions-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"positions-{i}-{key}"] = value
    return data


def test_positions_are_appointed_from_the_organization_page(
    city_admin_client, tree, city_member
):
    term = term_2020()
    second = MemberFactory(organization=tree.city_cell_2)
    url = change_url(tree.city)
    secretary = {
        "member": city_member.pk,
        "body": Body.EXECUTIVE,
        "role": Role.SECRETARY,
        "term": term.pk,
        "started_on": "2020-10-15",
        "ended_on": "",
    }
    ok = city_admin_client.post(url, _positions_post(tree.city, [secretary]))
    assert ok.status_code == 302
    assert Position.objects.get().member == city_member
    again = city_admin_client.post(
        url,
        _positions_post(tree.city, [{**secretary, "member": second.pk}]),
    )
    assert again.status_code == 200
    assert "already has a current Secretary" in again.content.decode()
    assert Position.objects.count() == 1


# ---------------------------------------------------------------- ratings


@pytest.fixture
def finalized_2023(tree, city_member):
    services.rate(acting_user=None, member=city_member, year=2023, grade=Grade.GOOD)
    return services.finalize_ratings(
        acting_user=None, unit=tree.city_grassroots, year=2023
    )


def test_the_reopen_action_asks_for_a_reason_then_reopens(
    superuser_client, finalized_2023
):
    url = changelist_url(RatingFinalization)
    page = superuser_client.post(
        url,
        {"action": "reopen", "index": "0", "_selected_action": [finalized_2023.pk]},
    )
    assert page.status_code == 200
    assert "Reason for reopening" in page.content.decode()
    finalized_2023.refresh_from_db()
    assert finalized_2023.status == FinalizationStatus.FINALIZED

    done = superuser_client.post(
        url,
        {
            "action": "reopen",
            "_selected_action": [finalized_2023.pk],
            "apply": "1",
            "reason": "Appeal upheld by the district",
        },
    )
    assert done.status_code == 302
    finalized_2023.refresh_from_db()
    assert finalized_2023.status == FinalizationStatus.REOPENED
    latest = finalized_2023.history.first()
    assert latest.history_change_reason == "reopened: Appeal upheld by the district"


def test_the_reopen_action_is_not_offered_to_staff(city_admin_client, finalized_2023):
    page = city_admin_client.get(changelist_url(RatingFinalization))
    offered = [
        name for name, _label in page.context["action_form"].fields["action"].choices
    ]
    assert "reopen" not in offered
    city_admin_client.post(
        changelist_url(RatingFinalization),
        {
            "action": "reopen",
            "_selected_action": [finalized_2023.pk],
            "apply": "1",
            "reason": "Because",
        },
    )
    finalized_2023.refresh_from_db()
    assert finalized_2023.status == FinalizationStatus.FINALIZED


def test_a_finalized_rating_cannot_be_deleted_in_the_admin(
    superuser_client, finalized_2023, city_member
):
    rating = Rating.objects.get(member=city_member)
    url = reverse("admin:committees_rating_delete", args=[rating.pk])
    response = superuser_client.post(url, {"post": "yes"}, follow=True)
    assert Rating.objects.filter(pk=rating.pk).exists()
    assert "finalized" in response.content.decode()


def test_a_rating_is_recorded_through_the_service(
    city_admin_client, city_admin, city_member, tree
):
    response = city_admin_client.post(
        reverse("admin:committees_rating_add"),
        {
            "member": city_member.pk,
            "organization": "",
            "year": "2022",
            "grade": Grade.EXCELLENT,
            "score": "",
            "note": "",
        },
    )
    assert response.status_code == 302
    rating = Rating.objects.get()
    # The service sets the finalizing unit: the member's grassroots.
    assert rating.unit == tree.city_grassroots
    assert rating.history.get().history_user == city_admin


def test_the_admin_refuses_a_year_in_the_future(city_admin_client, city_member):
    response = city_admin_client.post(
        reverse("admin:committees_rating_add"),
        {
            "member": city_member.pk,
            "year": str(date.today().year + 1),
            "grade": Grade.GOOD,
        },
    )
    assert response.status_code == 200
    assert "in advance" in str(response.context["adminform"].form.errors)
    assert not Rating.objects.exists()


def test_finalizing_in_the_admin_reports_the_quota(
    city_admin_client, tree, city_member
):
    services.rate(acting_user=None, member=city_member, year=2023, grade="excellent")
    response = city_admin_client.post(
        reverse("admin:committees_ratingfinalization_add"),
        {"unit": tree.city_grassroots.pk, "year": "2023"},
    )
    assert response.status_code == 200
    assert "1 more than the 0 allowed" in response.content.decode()
    assert not RatingFinalization.objects.exists()


def test_a_superuser_sees_every_member(superuser_client, city_member, district_member):
    response = superuser_client.get(changelist_url(Member))
    assert set(response.context["cl"].result_list) == {city_member, district_member}


def test_a_probationary_member_is_shown_with_status(city_admin_client, tree):
    MemberFactory(
        organization=tree.city_cell,
        status=MemberStatus.PROBATIONARY,
        official_on=None,
    )
    response = city_admin_client.get(
        changelist_url(Member), {"status__exact": "probationary"}
    )
    assert len(response.context["cl"].result_list) == 1


@pytest.fixture
def one_of_each(tree, city_member, finalized_2023):
    term = term_2020()
    position = services.appoint_position(
        acting_user=None,
        member=city_member,
        organization=tree.city,
        body=Body.EXECUTIVE,
        role=Role.MEMBER,
        term=term,
        started_on=date(2020, 10, 15),
    )
    from committees.models import Regulation

    regulation = Regulation.objects.create(code="366-QĐ/TW", effective_from_year=2025)
    return {
        "organization": tree.city_cell,
        "member": city_member,
        "position": position,
        "term": term,
        "regulation": regulation,
        "rating": Rating.objects.get(member=city_member),
        "ratingfinalization": finalized_2023,
    }


@pytest.mark.parametrize("who", ["superuser", "city"])
def test_every_committees_admin_page_renders(
    who, client, admin_user, city_admin, one_of_each
):
    client.force_login(admin_user if who == "superuser" else city_admin)
    for name, obj in one_of_each.items():
        urls = [
            reverse(f"admin:committees_{name}_changelist"),
            reverse(f"admin:committees_{name}_add"),
            reverse(f"admin:committees_{name}_change", args=[obj.pk]),
            reverse(f"admin:committees_{name}_history", args=[obj.pk]),
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403), (url, response.status_code)
            if who == "superuser":
                assert response.status_code == 200, url


def test_organization_page_query_count_does_not_grow_with_its_committee(
    city_admin_client, tree
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    term = term_2020()

    def seat(n: int) -> None:
        for _ in range(n):
            services.appoint_position(
                acting_user=None,
                member=MemberFactory(organization=tree.city_cell),
                organization=tree.city,
                body=Body.EXECUTIVE,
                role=Role.MEMBER,
                term=term,
                started_on=date(2020, 10, 15),
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = city_admin_client.get(change_url(tree.city))
            assert response.status_code == 200
        return len(ctx.captured_queries)

    count()  # warm the caches (content types) first
    seat(2)
    small = count()
    seat(8)
    assert count() == small


def test_organization_tree_query_count_does_not_grow(superuser_client, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import org

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = superuser_client.get(
                changelist_url(Organization), {"kind__exact": K.CELL}
            )
            assert response.status_code == 200
        return len(ctx.captured_queries)

    count()  # warm the caches (content types) first
    small = count()
    for n in range(10):
        org(tree.city_grassroots, K.CELL, f"Chi bộ {n}", f"TP-BG-TP-X{n}")
    assert count() == small


def _organization_change_post(organization, **extra) -> dict:
    return {
        "name": organization.name,
        "code": organization.code,
        "established_on": "",
        "note": "",
        "positions-TOTAL_FORMS": "0",
        "positions-INITIAL_FORMS": "0",
        "positions-MIN_NUM_FORMS": "0",
        "positions-MAX_NUM_FORMS": "1000",
        **extra,
    }


def test_a_superuser_moves_a_node_with_the_change_form(
    superuser_client, admin_user, tree
):
    url = change_url(tree.city_cell_2)
    refused = superuser_client.post(
        url,
        _organization_change_post(
            tree.city_cell_2,
            treebeard_position="first-child",
            treebeard_ref_node=tree.city.pk,
        ),
    )
    assert refused.status_code == 200
    assert "cannot hold a Party cell" in str(refused.context["adminform"].form.errors)
    tree.city_cell_2.refresh_from_db()
    assert tree.city_cell_2.path.startswith(tree.city_grassroots.path)

    moved = superuser_client.post(
        url,
        _organization_change_post(
            tree.city_cell_2,
            treebeard_position="first-child",
            treebeard_ref_node=tree.district_grassroots.pk,
        ),
    )
    assert moved.status_code == 302
    tree.city_cell_2.refresh_from_db()
    assert tree.city_cell_2.path.startswith(tree.district_grassroots.path)
    latest = tree.city_cell_2.history.first()
    assert (latest.history_user, latest.history_change_reason) == (admin_user, "moved")


def test_staff_rename_an_organization_through_the_service(
    city_admin_client, city_admin, tree
):
    response = city_admin_client.post(
        change_url(tree.city_cell),
        _organization_change_post(tree.city_cell, name="Chi bộ khu phố 1"),
    )
    assert response.status_code == 302
    tree.city_cell.refresh_from_db()
    assert tree.city_cell.name == "Chi bộ khu phố 1"
    assert tree.city_cell.search_key == "chi bo khu pho 1"
    assert tree.city_cell.history.first().history_user == city_admin
