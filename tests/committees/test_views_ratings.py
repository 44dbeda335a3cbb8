"""Ratings: single ratings, bulk entry per cell, quota, finalization, overview."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from committees import services
from committees.models import (
    Member,
    MemberStatus,
    Organization,
    Rating,
    RatingFinalization,
    Regulation,
)
from tests.committees.pages import bulk_members, url
from tests.factories import K, MemberFactory, org

YEAR = 2023


def scored_regulation() -> Regulation:
    return Regulation.objects.create(
        code="124-QĐ/TW",
        effective_from_year=2023,
        excellent_quota_percent=20,
        score_excellent_min=90,
        score_good_min=70,
        score_completed_min=50,
    )


def finalize(unit: Organization, year: int = YEAR) -> None:
    services.finalize_ratings(acting_user=None, unit=unit, year=year)


# ---------------------------------------------------------------- single ratings


def test_emulation_staff_rate_a_member(client, city_staff, city_member):
    client.force_login(city_staff)
    page = client.get(url("member_rate", city_member.pk))
    assert page.context["form"].initial["year"] == timezone.localdate().year - 1
    assert 'data-testid="rating-form"' in page.content.decode()
    response = client.post(
        url("member_rate", city_member.pk),
        {"year": YEAR, "grade": "good", "score": "", "note": "Tốt"},
    )
    assert response.status_code == 302
    rating = Rating.objects.get(member=city_member)
    assert (rating.year, rating.grade, rating.note) == (YEAR, "good", "Tốt")
    assert rating.history.first().history_user == city_staff


def test_a_year_in_advance_is_refused_next_to_the_year(client, city_staff, city_member):
    client.force_login(city_staff)
    response = client.post(
        url("member_rate", city_member.pk),
        {"year": timezone.localdate().year + 1, "grade": "good"},
    )
    assert response.status_code == 200
    assert "in advance" in str(response.context["form"].errors["year"])
    assert not Rating.objects.exists()


def test_a_score_that_contradicts_the_grade_is_refused(client, city_staff, city_member):
    scored_regulation()
    client.force_login(city_staff)
    response = client.post(
        url("member_rate", city_member.pk),
        {"year": YEAR, "grade": "excellent", "score": 75},
    )
    assert response.status_code == 200
    assert "score of 75" in str(response.context["form"].errors["grade"])
    assert not Rating.objects.exists()


def test_emulation_staff_rate_an_organization(client, city_staff, tree):
    client.force_login(city_staff)
    response = client.post(
        url("organization_rate", tree.city_cell.pk),
        {"year": YEAR, "grade": "excellent"},
    )
    assert response.status_code == 302
    rating = Rating.objects.get(organization=tree.city_cell)
    assert rating.unit == tree.city_grassroots


def test_a_viewer_cannot_rate(client, city_viewer, city_member, tree):
    client.force_login(city_viewer)
    for path in (
        url("member_rate", city_member.pk),
        url("organization_rate", tree.city.pk),
    ):
        assert client.get(path).status_code == 403
        assert client.post(path, {"year": YEAR, "grade": "good"}).status_code == 403
    assert not Rating.objects.exists()


def test_rating_a_member_outside_the_scope_answers_404(
    client, city_staff, district_member
):
    client.force_login(city_staff)
    response = client.post(
        url("member_rate", district_member.pk), {"year": YEAR, "grade": "good"}
    )
    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_a_draft_rating_is_edited(client, city_staff, city_member):
    rating = services.rate(
        acting_user=None, member=city_member, year=YEAR, grade="good"
    )
    client.force_login(city_staff)
    response = client.post(
        url("rating_edit", rating.pk), {"grade": "excellent", "score": "", "note": ""}
    )
    assert response.status_code == 302
    rating.refresh_from_db()
    assert (rating.year, rating.grade) == (YEAR, "excellent")


def test_a_locked_rating_shows_as_locked_and_refuses_edits(
    client, city_staff, tree, city_member
):
    rating = services.rate(
        acting_user=None, member=city_member, year=YEAR, grade="good"
    )
    finalize(tree.city_grassroots)
    client.force_login(city_staff)
    member_page = client.get(url("member_detail", city_member.pk))
    assert 'data-testid="rating-locked"' in member_page.content.decode()

    page = client.get(url("rating_edit", rating.pk))
    assert 'data-testid="locked"' in page.content.decode()
    assert page.context["form"].fields["grade"].disabled

    response = client.post(url("rating_edit", rating.pk), {"grade": "excellent"})
    assert response.status_code == 200
    assert "finalized" in str(response.context["form"].non_field_errors())
    rating.refresh_from_db()
    assert rating.grade == "good"


def test_a_draft_rating_is_deleted_after_confirmation(client, city_staff, city_member):
    rating = services.rate(
        acting_user=None, member=city_member, year=YEAR, grade="good"
    )
    client.force_login(city_staff)
    confirm = client.get(url("rating_delete", rating.pk))
    assert 'data-testid="confirm-delete"' in confirm.content.decode()
    response = client.post(url("rating_delete", rating.pk))
    assert response["Location"] == url("member_detail", city_member.pk)
    assert not Rating.objects.exists()


def test_a_locked_rating_cannot_be_deleted(client, city_staff, tree, city_member):
    rating = services.rate(
        acting_user=None, member=city_member, year=YEAR, grade="good"
    )
    finalize(tree.city_grassroots)
    client.force_login(city_staff)
    confirm = client.get(url("rating_delete", rating.pk))
    assert 'data-testid="confirm-delete"' not in confirm.content.decode()
    response = client.post(url("rating_delete", rating.pk), follow=True)
    assert "finalized" in response.content.decode()
    assert Rating.objects.filter(pk=rating.pk).exists()


# ---------------------------------------------------------------- bulk entry


def bulk_data(members: list[Member], grade: str = "good", **rows) -> dict[str, str]:
    data = {}
    for member in members:
        grade_, score = rows.get(str(member.pk), (grade, ""))
        data[f"grade_{member.pk}"] = grade_
        data[f"score_{member.pk}"] = score
    return data


def cell_members(tree, count: int = 4) -> list[Member]:
    return [
        MemberFactory(
            full_name=f"Nguyễn Văn {chr(65 + i)}", organization=tree.city_cell
        )
        for i in range(count)
    ]


def test_the_bulk_form_lists_active_members_prefilled(client, city_staff, tree):
    a, b, c = cell_members(tree, 3)
    MemberFactory(
        organization=tree.city_cell,
        status=MemberStatus.DECEASED,
        status_changed_on=timezone.localdate(),
    )
    services.rate(acting_user=None, member=b, year=YEAR, grade="excellent", score=None)
    client.force_login(city_staff)
    response = client.get(url("bulk_rating", tree.city_cell.pk, YEAR))
    assert response.status_code == 200
    rows = response.context["form"].rows()
    assert [row["member"] for row in rows] == [a, b, c]
    assert rows[1]["grade"].value() == "excellent"
    html = response.content.decode()
    assert html.count('data-testid="bulk-row"') == 3
    assert 'data-testid="rating-form"' in html


def test_the_bulk_form_saves_every_row_and_keeps_notes(client, city_staff, tree):
    members = cell_members(tree)
    services.rate(
        acting_user=None, member=members[0], year=YEAR, grade="good", note="Giữ lại"
    )
    client.force_login(city_staff)
    data = bulk_data(members, "good", **{str(members[0].pk): ("excellent", "")})
    response = client.post(url("bulk_rating", tree.city_cell.pk, YEAR), data)
    assert response.status_code == 302
    grades = dict(Rating.objects.values_list("member_id", "grade"))
    assert grades == {
        members[0].pk: "excellent",
        **{m.pk: "good" for m in members[1:]},
    }
    assert Rating.objects.get(member=members[0]).note == "Giữ lại"
    assert {r.unit for r in Rating.objects.all()} == {tree.city_grassroots}


def test_a_refused_row_saves_nothing_and_shows_its_message(client, city_staff, tree):
    scored_regulation()
    members = cell_members(tree)
    bad = members[2]
    client.force_login(city_staff)
    data = bulk_data(members, "good", **{str(bad.pk): ("excellent", "60")})
    response = client.post(url("bulk_rating", tree.city_cell.pk, YEAR), data)
    assert response.status_code == 200
    rows = {row["member"]: row["errors"] for row in response.context["form"].rows()}
    assert "score of 60" in rows[bad][0]
    assert all(not errors for member, errors in rows.items() if member != bad)
    assert 'data-testid="row-error"' in response.content.decode()
    assert not Rating.objects.exists()


def test_a_score_without_a_grade_is_refused_on_its_row(client, city_staff, tree):
    members = cell_members(tree, 2)
    client.force_login(city_staff)
    data = bulk_data(members, "good", **{str(members[1].pk): ("", "80")})
    response = client.post(url("bulk_rating", tree.city_cell.pk, YEAR), data)
    assert response.status_code == 200
    assert response.context["form"].errors[f"grade_{members[1].pk}"]
    assert not Rating.objects.exists()


def test_a_finalized_unit_refuses_bulk_entry_with_the_services_message(
    client, city_staff, tree
):
    members = cell_members(tree, 2)
    services.rate(acting_user=None, member=members[0], year=YEAR, grade="good")
    finalize(tree.city_grassroots)
    client.force_login(city_staff)
    page = client.get(url("bulk_rating", tree.city_cell.pk, YEAR))
    assert page.context["locked"]
    assert 'data-testid="submit"' not in page.content.decode()
    response = client.post(
        url("bulk_rating", tree.city_cell.pk, YEAR), bulk_data(members, "excellent")
    )
    assert response.status_code == 200
    assert "finalized" in str(response.context["form"].non_field_errors())
    assert list(Rating.objects.values_list("grade", flat=True)) == ["good"]


def test_bulk_entry_does_not_recompute_the_unit_for_every_member(
    client, city_staff, tree
):
    """The regulation, the rating unit and its lock are read once per form,
    not once per member (existence checks of full_clean aside)."""
    scored_regulation()
    client.force_login(city_staff)
    tables = (
        'FROM "committees_regulation"',
        'FROM "committees_organization"',
        'FROM "committees_ratingfinalization"',
    )

    def lookups(cell, count):
        members = bulk_members([cell], count)
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                url("bulk_rating", cell.pk, YEAR), bulk_data(members, "good")
            )
        assert response.status_code == 302
        assert Rating.objects.filter(member__organization=cell).count() == count
        return [
            q["sql"]
            for q in captured.captured_queries
            if any(t in q["sql"] for t in tables)
            and not q["sql"].startswith('SELECT 1 AS "a"')
        ]

    few = lookups(tree.city_cell, 2)
    many = lookups(tree.city_cell_2, 12)
    assert len(few) == len(many), many


def test_bulk_entry_is_for_cells_only(client, city_staff, tree):
    client.force_login(city_staff)
    response = client.get(url("bulk_rating", tree.city_grassroots.pk, YEAR))
    assert response.status_code == 404


def test_a_viewer_cannot_enter_ratings_in_bulk(client, city_viewer, tree):
    members = cell_members(tree, 2)
    client.force_login(city_viewer)
    path = url("bulk_rating", tree.city_cell.pk, YEAR)
    assert client.get(path).status_code == 403
    assert client.post(path, bulk_data(members)).status_code == 403
    assert not Rating.objects.exists()


def test_bulk_entry_outside_the_scope_answers_404(client, city_staff, tree):
    client.force_login(city_staff)
    path = url("bulk_rating", tree.district_cell.pk, YEAR)
    assert client.get(path).status_code == 404


# ---------------------------------------------------------------- unit page, finalize


def rate_unit(tree, excellent: int, good: int) -> None:
    created = bulk_members([tree.city_cell, tree.city_cell_2], excellent + good)
    members = Member.objects.filter(pk__in=[m.pk for m in created]).order_by("pk")
    grades = {
        member: ("excellent" if i < excellent else "good", None)
        for i, member in enumerate(members.select_related("organization"))
    }
    services.rate_members_in_bulk(acting_user=None, year=YEAR, grades=grades)


def test_the_unit_page_counts_grades_against_the_quota(client, city_staff, tree):
    rate_unit(tree, excellent=3, good=10)
    client.force_login(city_staff)
    response = client.get(url("unit_ratings", tree.city_grassroots.pk, YEAR))
    assert response.status_code == 200
    quota = response.context["quota"]
    assert (quota.excellent, quota.good, quota.allowed_excellent, quota.over) == (
        3,
        10,
        2,
        1,
    )
    html = response.content.decode()
    assert 'data-testid="quota-over"' in html
    cells = {c.pk: (c.member_count, c.rated_count) for c in response.context["cells"]}
    assert cells == {tree.city_cell.pk: (7, 7), tree.city_cell_2.pk: (6, 6)}
    assert url("bulk_rating", tree.city_cell.pk, YEAR) in html


def test_finalizing_over_the_quota_says_by_how_many(client, city_staff, tree):
    rate_unit(tree, excellent=3, good=10)
    client.force_login(city_staff)
    response = client.post(
        url("finalize_ratings", tree.city_grassroots.pk, YEAR), follow=True
    )
    assert "1 more than the 2 allowed" in response.content.decode()
    assert not RatingFinalization.objects.exists()


def test_finalizing_within_the_quota_locks_the_year(client, city_staff, tree):
    rate_unit(tree, excellent=2, good=10)
    client.force_login(city_staff)
    response = client.post(
        url("finalize_ratings", tree.city_grassroots.pk, YEAR), follow=True
    )
    assert response.context["quota"].is_locked
    html = response.content.decode()
    assert 'data-testid="finalized"' in html
    assert 'data-testid="finalize"' not in html
    assert RatingFinalization.objects.get().finalized_by == city_staff


def test_finalize_takes_only_a_post(client, city_staff, tree):
    client.force_login(city_staff)
    path = url("finalize_ratings", tree.city_grassroots.pk, YEAR)
    assert client.get(path).status_code == 405


def test_a_viewer_cannot_finalize(client, city_viewer, tree):
    rate_unit(tree, excellent=0, good=3)
    client.force_login(city_viewer)
    path = url("finalize_ratings", tree.city_grassroots.pk, YEAR)
    assert client.post(path).status_code == 403
    assert not RatingFinalization.objects.exists()


def test_the_unit_page_is_for_grassroots_organizations(client, city_staff, tree):
    client.force_login(city_staff)
    assert client.get(url("unit_ratings", tree.city.pk, YEAR)).status_code == 404
    # a cell's page is its grassroots organization's
    response = client.get(url("unit_ratings", tree.city_cell.pk, YEAR))
    assert response["Location"] == url("unit_ratings", tree.city_grassroots.pk, YEAR)
    assert (
        client.get(url("unit_ratings", tree.district_grassroots.pk, YEAR)).status_code
        == 404
    )


# ---------------------------------------------------------------- overview


def test_the_overview_lists_the_grassroots_organizations_of_the_scope(
    client, city_staff, tree
):
    rate_unit(tree, excellent=3, good=10)
    grassroots_cell = org(tree.city, K.GRASSROOTS_CELL, "Chi bộ Trường THPT")
    client.force_login(city_staff)
    response = client.get(url("rating_overview"), {"year": YEAR})
    assert response.status_code == 200
    rows = {u.pk: u for u in response.context["page_obj"]}
    assert set(rows) == {tree.city_grassroots.pk, grassroots_cell.pk}
    unit = rows[tree.city_grassroots.pk]
    assert (unit.rated, unit.excellent, unit.good, unit.over) == (13, 3, 10, 1)
    assert unit.finalization_status is None
    assert 'data-testid="over"' in response.content.decode()


def test_the_overview_defaults_to_last_year_and_shows_finalized_units(
    client, city_staff, tree, settings
):
    settings.PAGE_SIZE = 1
    last_year = timezone.localdate().year - 1
    member = MemberFactory(organization=tree.city_cell)
    services.rate(acting_user=None, member=member, year=last_year, grade="good")
    finalize(tree.city_grassroots, last_year)
    org(tree.city, K.GRASSROOTS_CELL, "Chi bộ Trường THPT")
    client.force_login(city_staff)
    response = client.get(url("rating_overview"))
    assert response.context["year"] == last_year
    page = response.context["page_obj"]
    assert page.paginator.count == 2 and len(page) == 1
    assert page[0].finalization_status == "finalized"
