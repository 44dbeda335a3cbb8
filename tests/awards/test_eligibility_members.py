"""Members rated excellent N years in a row (N = 5, the 2020–2025 term, whose
rated years are 2020–2024): the edge cases of the run, the member's standing,
transfers, awards already made, scope, and the single query."""

from __future__ import annotations

from datetime import date

import pytest

from awards import selectors, services
from committees import services as committee_services
from committees.models import MemberStatus
from tests.awards.conftest import C, E, G, excellent, rate
from tests.factories import MemberFactory


def eligible(kind, period, user=None, **kwargs):
    return selectors.eligible_candidates(user, kind=kind, period=period, **kwargs)


def names(candidates) -> set[str]:
    return {c.name for c in candidates}


@pytest.fixture
def member(tree):
    return MemberFactory(full_name="Lê Văn Bình", organization=tree.city_cell)


def test_exactly_n_excellent_years_ending_with_the_period_make_a_candidate(
    member, member_kind, term_period
):
    excellent(member, 2020, 2021, 2022, 2023, 2024)
    [candidate] = eligible(member_kind, term_period)
    assert candidate.pk == member.pk
    assert candidate.identifier == member.card_number
    assert candidate.evidence["years"] == [
        {"year": year, "grade": E} for year in range(2020, 2025)
    ]
    assert candidate.evidence["run_length"] == 5
    assert candidate.evidence["run_from"] == 2020


def test_n_minus_one_years_are_not_enough(member, member_kind, term_period):
    rate(member, {2020: G, 2021: E, 2022: E, 2023: E, 2024: E})
    assert eligible(member_kind, term_period) == []


def test_a_gap_year_rated_lower_breaks_the_run(member, member_kind, term_period):
    rate(member, {2020: E, 2021: E, 2022: G, 2023: E, 2024: E})
    assert eligible(member_kind, term_period) == []


def test_a_missing_rating_breaks_the_run(member, member_kind, term_period):
    excellent(member, 2019, 2020, 2021, 2023, 2024)  # 2022 not rated
    assert eligible(member_kind, term_period) == []


def test_n_plus_one_years_qualify_and_the_evidence_shows_the_whole_run(
    member, member_kind, term_period
):
    excellent(member, 2019, 2020, 2021, 2022, 2023, 2024)
    [candidate] = eligible(member_kind, term_period)
    assert candidate.evidence["run_length"] == 6
    assert candidate.evidence["run_from"] == 2019
    # the five years the criterion needs are the evidence shown
    assert [y["year"] for y in candidate.evidence["years"]] == list(range(2020, 2025))


def test_a_run_that_ends_before_the_last_rated_year_does_not_count(
    member, member_kind, term_period
):
    rate(member, {2019: E, 2020: E, 2021: E, 2022: E, 2023: E, 2024: C})
    assert eligible(member_kind, term_period) == []


def test_a_later_rating_outside_the_period_does_not_matter(
    member, member_kind, year_period, tree
):
    # For the year 2023 (a run ending in 2023), a rating of 2024 is irrelevant.
    from tests.awards.conftest import make_kind

    kind = make_kind(tree.province, "BK-3Y", period_type="year", consecutive_years=3)
    period = services.ensure_period(period_type="year", start_year=2023)
    rate(member, {2021: E, 2022: E, 2023: E, 2024: C})
    assert names(eligible(kind, period)) == {member.full_name}
    assert eligible(kind, year_period) == []


def test_ratings_follow_a_member_transferred_in_the_middle_of_the_period(
    member, member_kind, term_period, tree, city_staff, outsider
):
    excellent(member, 2020, 2021, 2022)
    committee_services.update_member(
        acting_user=None, member=member, organization=tree.district_cell
    )
    member.refresh_from_db()
    excellent(member, 2023, 2024)
    [candidate] = eligible(member_kind, term_period)
    assert candidate.organization_id == tree.district_cell.pk
    assert candidate.evidence["run_length"] == 5
    # listed where the member is now, not where they were
    assert eligible(member_kind, term_period, user=outsider)[0].pk == member.pk
    assert eligible(member_kind, term_period, user=city_staff) == []


def test_a_year_rated_while_probationary_counts_as_a_rated_year(
    tree, member_kind, term_period
):
    member = MemberFactory(
        full_name="Phạm Thu Hà",
        organization=tree.city_cell,
        admitted_on=date(2020, 2, 1),
        official_on=date(2021, 2, 1),
    )
    excellent(member, 2020, 2021, 2022, 2023, 2024)  # 2020: probationary
    assert names(eligible(member_kind, term_period)) == {"Phạm Thu Hà"}


def test_a_member_expelled_in_the_period_is_not_a_candidate(
    member, member_kind, term_period
):
    excellent(member, 2020, 2021, 2022, 2023, 2024)
    committee_services.update_member(
        acting_user=None,
        member=member,
        status=MemberStatus.EXPELLED,
        status_changed_on=date(2024, 6, 1),
    )
    assert eligible(member_kind, term_period) == []


def test_a_member_who_died_after_the_period_ended_is_still_a_candidate(
    member, member_kind, term_period
):
    excellent(member, 2020, 2021, 2022, 2023, 2024)
    committee_services.update_member(
        acting_user=None,
        member=member,
        status=MemberStatus.DECEASED,
        status_changed_on=date(2025, 1, 5),
    )
    assert names(eligible(member_kind, term_period)) == {member.full_name}
    committee_services.update_member(
        acting_user=None, member=member, status_changed_on=date(2024, 12, 31)
    )
    assert eligible(member_kind, term_period) == []


def test_an_already_awarded_candidate_is_left_out_until_the_award_is_revoked(
    star, member_kind, term_period, flow, province_staff
):
    assert names(eligible(member_kind, term_period)) == {star.full_name}
    decision = flow.conferred(member_kind, term_period, members=[star])
    assert eligible(member_kind, term_period) == []
    services.revoke_award(
        acting_user=province_staff,
        award=decision.awards.get(),
        reason="Khen thưởng nhầm",
        revoked_at=date(2025, 2, 1),
    )
    assert names(eligible(member_kind, term_period)) == {star.full_name}


def test_an_award_for_another_period_does_not_exclude(
    star, member_kind, term_period, flow, tree
):
    # Same kind, the previous term: a different period.
    previous = services.ensure_period(
        period_type="term", start_year=2015, end_year=2020
    )
    excellent(star, 2015, 2016, 2017, 2018, 2019)
    flow.conferred(member_kind, previous, members=[star])
    assert names(eligible(member_kind, term_period)) == {star.full_name}


def test_a_candidate_in_an_open_nomination_is_marked(
    star, member_kind, term_period, flow
):
    nomination = flow.nominate(member_kind, term_period, members=[star])
    [candidate] = eligible(member_kind, term_period)
    assert candidate.open_nomination_id == nomination.pk


def test_the_list_is_scoped_to_the_user_and_the_chosen_organization(
    star, member_kind, term_period, tree, city_staff, outsider, province_staff
):
    other = MemberFactory(full_name="Trần Văn Nam", organization=tree.district_cell)
    excellent(other, 2020, 2021, 2022, 2023, 2024)
    assert names(eligible(member_kind, term_period, user=city_staff)) == {
        star.full_name
    }
    assert names(eligible(member_kind, term_period, user=outsider)) == {"Trần Văn Nam"}
    assert len(eligible(member_kind, term_period, user=province_staff)) == 2
    assert names(
        eligible(member_kind, term_period, user=province_staff, within=tree.district)
    ) == {"Trần Văn Nam"}


def test_members_outside_the_granting_organization_are_not_candidates(
    star, term_period, tree
):
    from tests.awards.conftest import make_kind

    district_kind = make_kind(tree.district, "GK-HH")
    assert eligible(district_kind, term_period) == []


def test_the_list_is_one_query_whatever_its_length(
    tree, member_kind, term_period, django_assert_num_queries
):
    from tests.awards.conftest import stars

    stars(tree.city_cell, 3)
    with django_assert_num_queries(1):
        assert len(eligible(member_kind, term_period)) == 3
    stars(tree.district_cell, 7, prefix="Đảng viên xã")
    with django_assert_num_queries(1):
        assert len(eligible(member_kind, term_period)) == 10
