"""The schedule rules (selectors.schedule_problems), each on both sides of
its boundary. Congresses that break a rule are written straight to the
database here: the services would refuse them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from committees.models import OrganizationStatus
from congresses.models import Congress
from congresses.selectors import (
    AFTER_DEADLINE,
    BEFORE_MODEL,
    BELOW_NOT_OVER,
    ERROR,
    NOT_SCHEDULED,
    OVERRIDDEN,
    TOO_LONG,
    WARNING,
    schedule_problems,
)
from tests.congresses.conftest import term_2025
from tests.factories import K, org

GRASSROOTS_DEADLINE = date(2025, 6, 30)
DISTRICT_DEADLINE = date(2025, 8, 31)
EARLY = date(2025, 1, 2)  # long before any "not scheduled" warning


def raw(organization, starts_on, ends_on=None, **extra) -> Congress:
    return Congress.objects.create(
        organization=organization,
        term=term_2025(),
        ordinal=extra.pop("ordinal", 20),
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        **extra,
    )


def problems(user, today=EARLY, **kwargs):
    return schedule_problems(term=term_2025(), user=user, today=today, **kwargs)


def codes(found, congress=None) -> list[str]:
    return sorted(p.code for p in found if congress is None or p.congress == congress)


pytestmark = pytest.mark.usefixtures("plan")


# ---------------------------------------------------------------- lower levels first


def test_a_congress_after_those_below_it_is_fine(tree, admin_user):
    raw(tree.city_cell, date(2025, 5, 8), date(2025, 5, 9))
    grassroots = raw(tree.city_grassroots, date(2025, 5, 10))
    assert codes(problems(admin_user), grassroots) == []


def test_a_congress_on_the_last_day_of_one_below_it_is_an_error(tree, admin_user):
    cell = raw(tree.city_cell, date(2025, 5, 9), date(2025, 5, 10))
    grassroots = raw(tree.city_grassroots, date(2025, 5, 10))
    found = [p for p in problems(admin_user) if p.congress == grassroots]
    assert [p.code for p in found] == [BELOW_NOT_OVER]
    assert found[0].level == ERROR
    assert found[0].conflicting == cell
    assert "Chi bộ tổ dân phố số 1" in found[0].message
    assert "09/05/2025" in found[0].message


def test_any_level_below_counts_not_only_the_children(tree, admin_user):
    # A cell two levels below the city holds its congress after the city's.
    raw(tree.city_cell, date(2025, 6, 20))
    city = raw(tree.city, date(2025, 6, 15))
    assert codes(problems(admin_user), city) == [BELOW_NOT_OVER]


def test_the_latest_congress_below_is_named(tree, admin_user):
    raw(tree.city_cell, date(2025, 6, 1))
    late = raw(tree.city_cell_2, date(2025, 6, 25))
    grassroots = raw(tree.city_grassroots, date(2025, 6, 10))
    (problem,) = [p for p in problems(admin_user) if p.congress == grassroots]
    assert problem.conflicting == late


def test_a_congress_of_another_branch_is_no_conflict(tree, admin_user):
    raw(tree.district_cell, date(2025, 6, 25))
    grassroots = raw(tree.city_grassroots, date(2025, 6, 10))
    assert codes(problems(admin_user), grassroots) == []


def test_a_cancelled_congress_below_is_no_conflict(tree, admin_user):
    raw(tree.city_cell, date(2025, 6, 25), status="cancelled")
    grassroots = raw(tree.city_grassroots, date(2025, 6, 10))
    assert codes(problems(admin_user), grassroots) == []


# ---------------------------------------------------------------- the level's window


def test_a_congress_ending_on_the_deadline_is_fine(tree, admin_user):
    c = raw(
        tree.city_grassroots,
        GRASSROOTS_DEADLINE - timedelta(days=1),
        GRASSROOTS_DEADLINE,
    )
    assert codes(problems(admin_user), c) == []


def test_a_congress_ending_the_day_after_the_deadline_is_an_error(tree, admin_user):
    c = raw(
        tree.city_grassroots,
        GRASSROOTS_DEADLINE,
        GRASSROOTS_DEADLINE + timedelta(days=1),
    )
    found = [p for p in problems(admin_user) if p.congress == c]
    assert [p.code for p in found] == [AFTER_DEADLINE]
    assert "30/06/2025" in found[0].message


def test_each_level_has_its_own_deadline(tree, admin_user):
    # 15 July is late for a grassroots congress, not for the city.
    city = raw(tree.city, date(2025, 8, 30), DISTRICT_DEADLINE)
    late_city = raw(tree.district, date(2025, 9, 1))
    found = problems(admin_user)
    assert codes(found, city) == []
    assert codes(found, late_city) == [AFTER_DEADLINE]


def test_a_congress_of_the_maximum_length_is_fine(tree, admin_user):
    c = raw(tree.city_grassroots, date(2025, 5, 1), date(2025, 5, 2))
    province = raw(tree.province, date(2025, 10, 1), date(2025, 10, 4))
    found = problems(admin_user)
    assert codes(found, c) == []
    assert codes(found, province) == []


def test_a_congress_one_day_longer_than_allowed_is_an_error(tree, admin_user):
    c = raw(tree.city_grassroots, date(2025, 5, 1), date(2025, 5, 3))
    province = raw(tree.province, date(2025, 10, 1), date(2025, 10, 5))
    found = problems(admin_user)
    assert codes(found, c) == [TOO_LONG]
    assert codes(found, province) == [TOO_LONG]
    assert "3" in next(p.message for p in found if p.congress == c)


# ---------------------------------------------------------------- model congresses


def test_a_congress_after_the_model_congress_of_its_siblings_is_fine(tree, admin_user):
    raw(tree.city_cell, date(2025, 5, 1), date(2025, 5, 2), is_model=True)
    other = raw(tree.city_cell_2, date(2025, 5, 3))
    assert codes(problems(admin_user), other) == []


def test_a_congress_not_after_the_model_congress_is_a_warning(tree, admin_user):
    model = raw(tree.city_cell, date(2025, 5, 1), date(2025, 5, 2), is_model=True)
    other = raw(tree.city_cell_2, date(2025, 5, 2))
    found = [p for p in problems(admin_user) if p.congress == other]
    assert [(p.code, p.level) for p in found] == [(BEFORE_MODEL, WARNING)]
    assert found[0].conflicting == model


def test_the_model_congress_of_another_parent_does_not_count(tree, admin_user):
    raw(tree.city_cell, date(2025, 5, 10), is_model=True)
    other = raw(tree.district_cell, date(2025, 5, 1))
    assert codes(problems(admin_user), other) == []


def test_without_a_model_congress_there_is_no_model_warning(tree, admin_user):
    raw(tree.city_cell, date(2025, 5, 10))
    other = raw(tree.city_cell_2, date(2025, 5, 1))
    assert codes(problems(admin_user), other) == []


# ---------------------------------------------------------------- not scheduled


def test_no_warning_31_days_before_the_deadline(tree, admin_user):
    today = GRASSROOTS_DEADLINE - timedelta(days=31)
    assert NOT_SCHEDULED not in codes(problems(admin_user, today=today))


def test_unscheduled_organizations_are_warned_30_days_before_the_deadline(
    tree, admin_user
):
    raw(tree.city_cell, date(2025, 5, 10))
    today = GRASSROOTS_DEADLINE - timedelta(days=30)
    found = [p for p in problems(admin_user, today=today) if p.code == NOT_SCHEDULED]
    warned = {p.organization for p in found}
    # Every grassroots-level organization without a congress, not the one with.
    assert warned == {
        tree.city_grassroots,
        tree.city_cell_2,
        tree.district_grassroots,
        tree.district_cell,
    }
    assert all(p.level == WARNING and p.congress is None for p in found)


def test_party_groups_and_ended_organizations_are_not_warned(tree, admin_user):
    group = org(tree.city_cell, K.PARTY_GROUP, "Tổ đảng 1")
    tree.city_cell_2.status = OrganizationStatus.MERGED
    tree.city_cell_2.ended_on = date(2025, 1, 1)
    tree.city_cell_2.save()
    today = GRASSROOTS_DEADLINE
    warned = {p.organization for p in problems(admin_user, today=today)}
    assert group not in warned
    assert tree.city_cell_2 not in warned
    assert tree.city_cell in warned


def test_a_cancelled_congress_does_not_count_as_scheduled(tree, admin_user):
    raw(tree.city_cell, date(2025, 5, 10), status="cancelled")
    warned = {p.organization for p in problems(admin_user, today=GRASSROOTS_DEADLINE)}
    assert tree.city_cell in warned


# ---------------------------------------------------------------- override, scope


def test_an_overridden_error_is_reported_as_overridden(tree, admin_user):
    c = raw(
        tree.city_grassroots,
        date(2025, 7, 1),
        override_reason="Newly merged ward committee",
    )
    found = [p for p in problems(admin_user) if p.congress == c]
    assert [(p.code, p.level) for p in found] == [(AFTER_DEADLINE, OVERRIDDEN)]
    assert not found[0].is_error


def test_staff_see_the_problems_of_their_scope_only(tree, city_staff):
    raw(tree.district_grassroots, date(2025, 7, 5))
    city_problem = raw(tree.city_grassroots, date(2025, 7, 5))
    found = problems(city_staff)
    assert {p.congress for p in found} == {city_problem}


def test_someone_without_a_scope_sees_nothing(tree, db):
    from portal.models import User

    raw(tree.city_grassroots, date(2025, 7, 5))
    nobody = User(username="x", is_superuser=False)
    nobody.scope = None
    assert problems(nobody) == []


# ---------------------------------------------------------------- one congress


def test_a_candidate_sees_the_congress_above_it_that_it_would_put_out_of_order(
    tree,
):
    above = raw(tree.city_grassroots, date(2025, 6, 10))
    cell = raw(tree.city_cell, date(2025, 6, 1))
    cell.starts_on = cell.ends_on = date(2025, 6, 12)
    found = schedule_problems(term=term_2025(), candidate=cell)
    assert [(p.code, p.congress, p.conflicting) for p in found] == [
        (BELOW_NOT_OVER, above, cell)
    ]


def test_a_candidate_sees_the_congresses_below_it(tree):
    cell = raw(tree.city_cell, date(2025, 6, 12))
    candidate = Congress(
        organization=tree.city_grassroots,
        term=term_2025(),
        ordinal=1,
        starts_on=date(2025, 6, 10),
        ends_on=date(2025, 6, 10),
    )
    (problem,) = schedule_problems(term=term_2025(), candidate=candidate)
    assert (problem.code, problem.congress, problem.conflicting) == (
        BELOW_NOT_OVER,
        candidate,
        cell,
    )


def test_a_candidate_is_checked_against_itself_as_it_would_be_saved(tree):
    # The saved row breaks the deadline; the candidate (moved) does not.
    c = raw(tree.city_grassroots, date(2025, 7, 5))
    c.starts_on = c.ends_on = date(2025, 6, 5)
    assert schedule_problems(term=term_2025(), candidate=c) == []
