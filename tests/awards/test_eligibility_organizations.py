"""Organizations rated excellent for the year, or N years in a row; the kinds
of recipient; the merged organizations' history where the kind says so."""

from __future__ import annotations

import pytest

from awards import selectors
from committees import services as committee_services
from tests.awards.conftest import C, E, G, excellent, make_kind, rate
from tests.factories import K, org


def eligible(kind, period, user=None, **kwargs):
    return selectors.eligible_candidates(user, kind=kind, period=period, **kwargs)


def codes(candidates) -> set[str]:
    return {c.identifier for c in candidates}


def test_an_organization_rated_excellent_for_the_year_is_a_candidate(
    tree, org_year_kind, year_period
):
    excellent(tree.city_grassroots, 2024)
    rate(tree.district_grassroots, {2024: G})
    [candidate] = eligible(org_year_kind, year_period)
    assert candidate.identifier == "TP-BG-TP"
    assert candidate.evidence["years"] == [{"year": 2024, "grade": E}]
    assert not candidate.is_member


def test_n_excellent_years_in_a_row_for_an_organization(
    tree, org_run_kind, term_period
):
    excellent(tree.city_cell, 2022, 2023, 2024)  # exactly 3
    rate(tree.city_cell_2, {2022: C, 2023: E, 2024: E})  # 2
    excellent(tree.district_cell, 2021, 2022, 2024)  # a gap in 2023
    assert codes(eligible(org_run_kind, term_period)) == {"TP-BG-TP-1"}


def test_only_the_kinds_of_recipient_the_award_kind_names(tree, term_period):
    kind = make_kind(
        tree.province,
        "BK-CB",
        recipient_type="organization",
        recipient_kinds=K.CELL,
        criterion="consecutive_excellent_organization",
        consecutive_years=2,
    )
    excellent(tree.city_cell, 2023, 2024)
    excellent(tree.city_grassroots, 2023, 2024)
    assert codes(eligible(kind, term_period)) == {"TP-BG-TP-1"}


def test_the_granting_organization_is_not_its_own_candidate(tree, term_period):
    kind = make_kind(
        tree.city,
        "GK-TP",
        recipient_type="organization",
        recipient_kinds=f"{K.DISTRICT},{K.GRASSROOTS_COMMITTEE}",
        criterion="consecutive_excellent_organization",
        consecutive_years=1,
    )
    excellent(tree.city, 2024)
    excellent(tree.city_grassroots, 2024)
    assert codes(eligible(kind, term_period)) == {"TP-BG-TP"}


def test_a_merged_organization_is_no_candidate(tree, org_year_kind, year_period):
    excellent(tree.city_cell_2, 2024)
    from committees.models import Organization

    Organization.objects.filter(pk=tree.city_cell_2.pk).update(
        status="merged", ended_on="2024-12-31"
    )
    assert eligible(org_year_kind, year_period) == []


@pytest.fixture
def successor(tree):
    """A cell formed in 2023 that took over ``city_cell_2``."""
    return org(tree.city_grassroots, K.CELL, "Chi bộ tổ dân phố số 3", "TP-BG-TP-3")


def test_merged_history_counts_only_where_the_kind_says_so(
    tree, org_run_kind, term_period, successor, monkeypatch
):
    predecessor = tree.city_cell_2
    excellent(predecessor, 2020, 2021, 2022)
    rate(successor, {2022: G, 2023: E, 2024: E})
    # The restructuring link (what a merged organization became) plugs in
    # through ``merged_lineage``.
    monkeypatch.setattr(
        selectors,
        "merged_lineage",
        lambda: (
            "SELECT CAST(%s AS INTEGER) AS predecessor_id, "
            "CAST(%s AS INTEGER) AS successor_id",
            (predecessor.pk, successor.pk),
        ),
    )
    assert "TP-BG-TP-3" not in codes(eligible(org_run_kind, term_period))
    org_run_kind.includes_merged_history = True
    org_run_kind.save()
    # 2022 is rated "good" for the successor itself: its own rating wins
    # over the predecessor's excellent, so the run is 2023–2024 only.
    assert "TP-BG-TP-3" not in codes(eligible(org_run_kind, term_period))
    committee_services.delete_rating(
        acting_user=None, rating=successor.ratings.get(year=2022)
    )
    [candidate] = [
        c for c in eligible(org_run_kind, term_period) if c.pk == successor.pk
    ]
    assert candidate.evidence["run_length"] == 5  # 2020–2022 inherited
    assert candidate.evidence["inherited_years"] == 3


def test_the_organization_list_is_one_query(
    tree, org_year_kind, year_period, django_assert_num_queries
):
    excellent(tree.city_cell, 2024)
    excellent(tree.district_cell, 2024)
    with django_assert_num_queries(1):
        assert len(eligible(org_year_kind, year_period)) == 2


def test_a_manual_kind_has_no_computed_list(tree, manual_kind, term_period):
    excellent(tree.city, 2020, 2021, 2022, 2023, 2024)
    assert eligible(manual_kind, term_period) == []


def test_a_merger_recorded_by_restructuring_credits_the_successor(
    tree, org_run_kind, term_period, successor
):
    """The real link: ``merge_organizations`` records what the merged cell
    became, and the successor inherits its excellent years."""
    from datetime import date

    from committees.restructuring import merge_organizations

    predecessor = tree.city_cell_2
    excellent(predecessor, 2020, 2021, 2022)
    rate(successor, {2023: E, 2024: E})
    org_run_kind.includes_merged_history = True
    org_run_kind.save()
    merge_organizations(
        acting_user=None,
        sources=[predecessor],
        target=successor,
        effective_on=date(2023, 1, 1),
        reason="Hợp nhất chi bộ",
        decision_number="12-QĐ/ĐU",
    )
    [candidate] = [
        c for c in eligible(org_run_kind, term_period) if c.pk == successor.pk
    ]
    assert candidate.evidence["run_length"] == 5
    assert candidate.evidence["inherited_years"] == 3
