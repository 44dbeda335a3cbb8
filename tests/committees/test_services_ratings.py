"""rate / finalize_ratings / reopen_ratings: one a year, quota, locks, scores."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from committees import services
from committees.models import (
    FinalizationStatus,
    Grade,
    Rating,
    RatingFinalization,
    Regulation,
)
from tests.factories import K, MemberFactory, org

YEAR = 2023


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def members(organization, n: int) -> list:
    return MemberFactory.create_batch(n, organization=organization)


def grade_all(people, grade: str, year: int = YEAR) -> None:
    for person in people:
        services.rate(acting_user=None, member=person, year=year, grade=grade)


# ---------------------------------------------------------------- one a year


def test_rating_again_changes_the_one_rating_of_the_year(city_member):
    services.rate(acting_user=None, member=city_member, year=YEAR, grade=Grade.GOOD)
    services.rate(
        acting_user=None, member=city_member, year=YEAR, grade=Grade.EXCELLENT
    )
    rating = Rating.objects.get(member=city_member)
    assert rating.grade == Grade.EXCELLENT
    assert [r.grade for r in rating.history.all()] == [Grade.EXCELLENT, Grade.GOOD]


def test_the_database_refuses_a_second_rating_of_a_member_for_a_year(tree, city_member):
    first = services.rate(
        acting_user=None, member=city_member, year=YEAR, grade=Grade.GOOD
    )
    duplicate = Rating(member=city_member, year=YEAR, grade=Grade.GOOD, unit=first.unit)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert error.value.messages == ["This member is already rated for the year."]


def test_the_database_refuses_a_second_rating_of_an_organization_for_a_year(tree):
    first = services.rate(
        acting_user=None, organization=tree.city_cell, year=YEAR, grade=Grade.GOOD
    )
    duplicate = Rating(
        organization=tree.city_cell, year=YEAR, grade=Grade.GOOD, unit=first.unit
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert error.value.messages == ["This organization is already rated for the year."]


def test_a_member_is_rated_once_for_each_year(city_member):
    for year in (2021, 2022, 2023):
        services.rate(acting_user=None, member=city_member, year=year, grade="good")
    assert Rating.objects.filter(member=city_member).count() == 3


def test_a_rating_has_one_subject(tree, city_member):
    with pytest.raises(ValueError):
        services.rate(
            acting_user=None,
            member=city_member,
            organization=tree.city_cell,
            year=YEAR,
            grade=Grade.GOOD,
        )


# ---------------------------------------------------------------- years


def test_it_refuses_a_year_before_admission(city_member):
    # The factory admits on 02/03/2010.
    with pytest.raises(ValidationError) as error:
        services.rate(acting_user=None, member=city_member, year=2009, grade="good")
    assert error.value.message_dict["year"] == [
        "Nguyễn Văn Gấu was not yet a member in 2009."
    ]
    assert services.rate(acting_user=None, member=city_member, year=2010, grade="good")


def test_it_refuses_a_year_in_the_future(city_member):
    next_year = timezone.localdate().year + 1
    with pytest.raises(ValidationError) as error:
        services.rate(
            acting_user=None, member=city_member, year=next_year, grade="good"
        )
    assert error.value.message_dict["year"] == ["A year cannot be rated in advance."]
    assert not Rating.objects.exists()


def test_the_current_year_may_be_rated(city_member):
    year = timezone.localdate().year
    assert services.rate(acting_user=None, member=city_member, year=year, grade="good")


def test_rating_outside_the_scope_is_refused(city_staff, district_member):
    with pytest.raises(PermissionDenied):
        services.rate(
            acting_user=city_staff, member=district_member, year=YEAR, grade="good"
        )


def test_a_rating_records_who_rated(city_staff, city_member):
    rating = services.rate(
        acting_user=city_staff, member=city_member, year=YEAR, grade="good"
    )
    assert rating.history.get().history_user == city_staff


# ---------------------------------------------------------------- rating unit


def test_a_members_rating_is_finalized_by_the_grassroots_organization(
    tree, city_member
):
    assert services.rating_unit(member=city_member) == tree.city_grassroots


def test_a_member_of_a_grassroots_cell_is_finalized_by_that_cell(tree):
    cell = org(tree.city, K.GRASSROOTS_CELL, "Chi bộ cơ sở Bệnh viện", "TP-BG-BV")
    member = MemberFactory(organization=cell)
    assert services.rating_unit(member=member) == cell


def test_a_member_of_a_cell_under_a_partial_committee_goes_to_the_grassroots(tree):
    partial = org(tree.city_grassroots, K.PARTIAL_COMMITTEE, "Đảng bộ bộ phận", "BP-1")
    cell = org(partial, K.CELL, "Chi bộ 1", "BP-1-1")
    member = MemberFactory(organization=cell)
    assert services.rating_unit(member=member) == tree.city_grassroots
    assert services.rating_unit(organization=cell) == tree.city_grassroots


def test_a_cells_rating_is_finalized_by_its_grassroots_organization(tree):
    assert services.rating_unit(organization=tree.city_cell) == tree.city_grassroots


def test_a_grassroots_organizations_rating_is_finalized_by_its_district(tree):
    assert services.rating_unit(organization=tree.city_grassroots) == tree.city


def test_a_districts_rating_is_finalized_by_the_province(tree):
    assert services.rating_unit(organization=tree.city) == tree.province


def test_rate_stores_the_unit(tree, city_member):
    rating = services.rate(
        acting_user=None, organization=tree.city_grassroots, year=YEAR, grade="good"
    )
    assert rating.unit == tree.city
    rating = services.rate(
        acting_user=None, member=city_member, year=YEAR, grade="good"
    )
    assert rating.unit == tree.city_grassroots


# ---------------------------------------------------------------- quota


def test_finalizing_refuses_a_quota_breach_and_says_by_how_many(tree):
    grade_all(members(tree.city_cell, 3), Grade.EXCELLENT)
    grade_all(members(tree.city_cell_2, 10), Grade.GOOD)
    with pytest.raises(ValidationError) as error:
        services.finalize_ratings(
            acting_user=None, unit=tree.city_grassroots, year=YEAR
        )
    assert error.value.messages == [
        "3 members rated excellent, 1 more than the 2 allowed (20% of 10 rated good)."
    ]
    assert not RatingFinalization.objects.exists()


def test_finalizing_accepts_the_quota_exactly(tree):
    grade_all(members(tree.city_cell, 2), Grade.EXCELLENT)
    grade_all(members(tree.city_cell_2, 10), Grade.GOOD)
    finalization = services.finalize_ratings(
        acting_user=None, unit=tree.city_grassroots, year=YEAR
    )
    assert finalization.is_locked


def test_the_quota_rounds_down(tree):
    # 20% of 9 is 1.8: one may be excellent, not two.
    grade_all(members(tree.city_cell, 2), Grade.EXCELLENT)
    grade_all(members(tree.city_cell_2, 9), Grade.GOOD)
    with pytest.raises(ValidationError) as error:
        services.finalize_ratings(
            acting_user=None, unit=tree.city_grassroots, year=YEAR
        )
    assert "1 more than the 1 allowed" in error.value.messages[0]


def test_the_quota_follows_the_regulation_of_the_year(tree):
    Regulation.objects.create(
        code="124-QĐ/TW", effective_from_year=2023, excellent_quota_percent=30
    )
    grade_all(members(tree.city_cell, 3), Grade.EXCELLENT)
    grade_all(members(tree.city_cell_2, 10), Grade.GOOD)
    assert services.finalize_ratings(
        acting_user=None, unit=tree.city_grassroots, year=YEAR
    ).is_locked


def test_members_and_organizations_have_separate_quotas(tree):
    grade_all(members(tree.city_cell, 5), Grade.GOOD)
    services.rate(
        acting_user=None, organization=tree.city_cell, year=YEAR, grade="excellent"
    )
    with pytest.raises(ValidationError) as error:
        services.finalize_ratings(
            acting_user=None, unit=tree.city_grassroots, year=YEAR
        )
    assert error.value.messages == [
        "1 organizations rated excellent, 1 more than the 0 allowed "
        "(20% of 0 rated good)."
    ]


def test_max_excellent_is_a_share_of_good():
    assert services.max_excellent(10, Decimal(20)) == 2
    assert services.max_excellent(4, Decimal(20)) == 0
    assert services.max_excellent(10, Decimal("12.5")) == 1


def test_finalizing_needs_ratings(tree):
    with pytest.raises(ValidationError) as error:
        services.finalize_ratings(
            acting_user=None, unit=tree.city_grassroots, year=YEAR
        )
    assert "has no ratings for 2023" in error.value.messages[0]


def test_finalizing_outside_the_scope_is_refused(tree, city_staff, district_member):
    grade_all([district_member], Grade.GOOD)
    with pytest.raises(PermissionDenied):
        services.finalize_ratings(
            acting_user=city_staff, unit=tree.district_grassroots, year=YEAR
        )


# ---------------------------------------------------------------- locks


@pytest.fixture
def finalized(tree, city_member, city_staff):
    grade_all([city_member], Grade.GOOD)
    return services.finalize_ratings(
        acting_user=city_staff, unit=tree.city_grassroots, year=YEAR
    )


def test_finalizing_records_who_and_when(finalized, city_staff):
    assert finalized.finalized_by == city_staff
    assert finalized.finalized_at is not None
    assert finalized.history.get().history_change_reason == "finalized"


def test_a_finalized_rating_cannot_be_changed(finalized, city_member):
    with pytest.raises(ValidationError) as error:
        services.rate(
            acting_user=None, member=city_member, year=YEAR, grade="excellent"
        )
    assert "are finalized" in error.value.messages[0]
    assert Rating.objects.get(member=city_member).grade == Grade.GOOD


def test_no_new_rating_is_added_to_a_finalized_unit(finalized, tree):
    newcomer = MemberFactory(organization=tree.city_cell_2)
    with pytest.raises(ValidationError):
        services.rate(acting_user=None, member=newcomer, year=YEAR, grade="good")
    assert not Rating.objects.filter(member=newcomer).exists()


def test_a_finalized_rating_cannot_be_deleted(finalized, city_member):
    rating = Rating.objects.get(member=city_member)
    with pytest.raises(ValidationError):
        services.delete_rating(acting_user=None, rating=rating)
    assert Rating.objects.filter(pk=rating.pk).exists()


def test_other_years_stay_open(finalized, city_member):
    assert services.rate(acting_user=None, member=city_member, year=2022, grade="good")


def test_finalizing_twice_is_refused(finalized, tree):
    with pytest.raises(ValidationError) as error:
        services.finalize_ratings(
            acting_user=None, unit=tree.city_grassroots, year=YEAR
        )
    assert "already finalized" in error.value.messages[0]


# ---------------------------------------------------------------- reopening


def test_reopening_is_for_superusers_only(finalized, tree, city_staff):
    with pytest.raises(PermissionDenied):
        services.reopen_ratings(
            acting_user=city_staff,
            unit=tree.city_grassroots,
            year=YEAR,
            reason="Please",
        )
    finalized.refresh_from_db()
    assert finalized.is_locked


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopening_needs_a_reason(finalized, tree, admin_user, reason):
    with pytest.raises(ValidationError) as error:
        services.reopen_ratings(
            acting_user=admin_user, unit=tree.city_grassroots, year=YEAR, reason=reason
        )
    assert error.value.message_dict["reason"] == ["Say why the ratings are reopened."]
    finalized.refresh_from_db()
    assert finalized.is_locked


def test_the_reason_for_reopening_is_kept_in_the_history(
    finalized, tree, admin_user, city_member
):
    services.reopen_ratings(
        acting_user=admin_user,
        unit=tree.city_grassroots,
        year=YEAR,
        reason="  Complaint upheld  ",
    )
    finalized.refresh_from_db()
    assert finalized.status == FinalizationStatus.REOPENED
    assert finalized.reopen_reason == "Complaint upheld"
    latest = finalized.history.first()
    assert latest.history_user == admin_user
    assert latest.history_change_reason == "reopened: Complaint upheld"
    # Open again: the rating may change, and be finalized once more.
    services.rate(acting_user=None, member=city_member, year=YEAR, grade="completed")
    again = services.finalize_ratings(
        acting_user=None, unit=tree.city_grassroots, year=YEAR
    )
    assert again.pk == finalized.pk and again.is_locked


def test_reopening_what_is_not_finalized_is_refused(tree, admin_user):
    with pytest.raises(ValidationError):
        services.reopen_ratings(
            acting_user=admin_user, unit=tree.city_grassroots, year=YEAR, reason="x"
        )


# ---------------------------------------------------------------- scores


@pytest.fixture
def scored(db):
    """366-QĐ/TW: scored on 100 points, from the 2025 ratings on."""
    return Regulation.objects.create(
        code="366-QĐ/TW",
        effective_from_year=2025,
        score_excellent_min=90,
        score_good_min=70,
        score_completed_min=50,
    )


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100, Grade.EXCELLENT),
        (90, Grade.EXCELLENT),
        (89, Grade.GOOD),
        (70, Grade.GOOD),
        (69, Grade.COMPLETED),
        (50, Grade.COMPLETED),
        (49, Grade.NOT_COMPLETED),
        (0, Grade.NOT_COMPLETED),
    ],
)
def test_a_score_within_its_band_is_accepted(scored, city_member, score, grade):
    rating = services.rate(
        acting_user=None, member=city_member, year=2025, grade=grade, score=score
    )
    assert (rating.score, rating.regulation) == (score, scored)


@pytest.mark.parametrize(
    ("score", "grade", "expected"),
    [
        (89, Grade.EXCELLENT, "Good completion of tasks"),
        (90, Grade.GOOD, "Excellent completion of tasks"),
        (69, Grade.GOOD, "Completion of tasks"),
        (49, Grade.COMPLETED, "Non-completion of tasks"),
    ],
)
def test_a_score_outside_the_grades_band_is_refused(
    scored, city_member, score, grade, expected
):
    with pytest.raises(ValidationError) as error:
        services.rate(
            acting_user=None, member=city_member, year=2025, grade=grade, score=score
        )
    assert error.value.message_dict["grade"] == [
        f"Under 366-QĐ/TW a score of {score} means “{expected}”."
    ]
    assert not Rating.objects.exists()


def test_a_score_above_100_is_refused(scored, city_member):
    with pytest.raises(ValidationError) as error:
        services.rate(
            acting_user=None,
            member=city_member,
            year=2025,
            grade="excellent",
            score=101,
        )
    assert "score" in error.value.message_dict


def test_earlier_years_keep_their_unscored_regulation(scored, city_member):
    older = Regulation.objects.create(code="124-QĐ/TW", effective_from_year=2023)
    rating = services.rate(
        acting_user=None, member=city_member, year=2024, grade="excellent", score=10
    )
    assert rating.regulation == older
