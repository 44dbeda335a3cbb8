"""The member and rating tallies (kept by database triggers) agree with a
recount after every kind of change: through the services (add, edit, move,
transfer, merge, rate), a bulk insert as the import does it, and deletes."""

from __future__ import annotations

from datetime import date

import pytest
from simple_history.utils import bulk_create_with_history

from committees import restructuring, services, tallies, transfers
from committees.models import (
    ExcellentRun,
    Grade,
    Member,
    MemberStatus,
    MemberTally,
    Rating,
    RatingTally,
)
from tests.factories import MemberFactory


def agree() -> None:
    assert tallies.differences() == []


def member(organization, **extra) -> Member:
    return services.create_member(
        acting_user=None,
        full_name=extra.pop("full_name", "Trần Thị Huyền"),
        birth_date=date(1985, 1, 2),
        gender="female",
        card_number=extra.pop("card_number"),
        admitted_on=extra.pop("admitted_on", date(2015, 3, 1)),
        official_on=extra.pop("official_on", date(2016, 3, 5)),
        status=extra.pop("status", MemberStatus.OFFICIAL),
        organization=organization,
        **extra,
    )


@pytest.fixture
def people(tree):
    first = member(tree.city_cell, card_number="20000001")
    second = member(tree.city_cell, card_number="20000002")
    third = member(
        tree.district_cell,
        card_number="20000003",
        status=MemberStatus.PROBATIONARY,
        official_on=None,
        admitted_on=date(2024, 1, 10),
    )
    for m in (first, second, third):
        services.rate(acting_user=None, member=m, year=2024, grade=Grade.GOOD)
    return first, second, third


def test_adding_members_and_rating_them_counts_them(tree, people):
    agree()
    tally = MemberTally.objects.get(organization=tree.city_cell)
    assert (tally.official, tally.probationary) == (2, 0)
    assert RatingTally.objects.get(organization=tree.city_cell, year=2024).good == 2


def test_status_changes_move_the_counts(tree, people):
    first, _second, third = people
    services.update_member(
        acting_user=None,
        member=first,
        status=MemberStatus.DECEASED,
        status_changed_on=date(2025, 1, 5),
    )
    services.recognize_official(
        acting_user=None, member=third, official_on=date(2025, 2, 1)
    )
    agree()
    assert MemberTally.objects.get(organization=tree.city_cell).deceased == 1


def test_a_member_who_moves_takes_the_ratings_along(tree, people):
    first, second, _third = people
    transfers.move_member(
        acting_user=None,
        member=first,
        to=tree.city_cell_2,
        effective_on=date(2025, 6, 1),
        reason="test",
    )
    transfer = transfers.issue_transfer(
        acting_user=None,
        member=second,
        kind="official",
        to=tree.district_cell,
        letter_number="7-GGT/ĐU",
        letter_date=date(2025, 6, 2),
    )
    agree()  # still on the sending roll
    transfers.accept_transfer(
        acting_user=None, transfer=transfer, effective_on=date(2025, 6, 20)
    )
    agree()
    assert RatingTally.objects.get(organization=tree.city_cell_2, year=2024).good == 1
    assert RatingTally.objects.get(organization=tree.city_cell, year=2024).good == 0


def test_a_merger_and_an_edit_of_the_organization_keep_them(tree, people):
    restructuring.merge_organizations(
        acting_user=None,
        sources=[tree.district_grassroots],
        target=tree.city_grassroots,
        effective_on=date(2025, 7, 1),
        reason="test",
        decision_number="1-QĐ/TU",
    )
    agree()
    services.update_member(
        acting_user=None, member=people[0], organization=tree.city_cell_2
    )
    agree()


def test_rating_changes_and_deletes_keep_them(tree, people):
    first, second, third = people
    services.rate_members_in_bulk(
        acting_user=None,
        year=2023,
        grades={first: (Grade.EXCELLENT, None), second: (Grade.GOOD, None)},
    )
    rating = Rating.objects.get(member=third, year=2024)
    services.rate(acting_user=None, member=third, year=2024, grade=Grade.COMPLETED)
    agree()
    services.delete_rating(acting_user=None, rating=Rating.objects.get(pk=rating.pk))
    agree()
    assert RatingTally.objects.get(organization=tree.district_cell, year=2024).good == 0


def test_bulk_inserts_and_deletes_outside_the_services_keep_them(tree, people):
    """The import writes with bulk_create; the admin deletes."""
    new = [
        Member(
            full_name=f"Lê Văn Nam {n}",
            birth_date=date(1990, 1, 1),
            gender="male",
            card_number=f"3000000{n}",
            admitted_on=date(2020, 1, 1),
            official_on=date(2021, 1, 5),
            status=MemberStatus.OFFICIAL,
            organization=tree.district_cell,
        )
        for n in range(5)
    ]
    bulk_create_with_history(new, Member)
    MemberFactory.create_batch(3, organization=tree.city_cell_2)
    agree()
    Member.objects.filter(card_number__startswith="3000000").update(
        organization=tree.city_cell
    )
    agree()
    Rating.objects.filter(member=people[0]).delete()
    people[1].delete()
    agree()


def test_runs_of_excellent_years_follow_the_ratings(tree, people):
    first = people[0]
    for year in (2019, 2020, 2022, 2023):
        services.rate(acting_user=None, member=first, year=year, grade=Grade.EXCELLENT)
    services.rate(acting_user=None, member=first, year=2024, grade=Grade.EXCELLENT)
    agree()
    runs = set(
        ExcellentRun.objects.filter(member=first).values_list("first_year", "last_year")
    )
    assert runs == {(2019, 2020), (2022, 2024)}
    services.rate(acting_user=None, member=first, year=2021, grade=Grade.EXCELLENT)
    agree()
    assert list(
        ExcellentRun.objects.filter(member=first).values_list("first_year", "last_year")
    ) == [(2019, 2024)]
    transfers.move_member(
        acting_user=None,
        member=first,
        to=tree.city_cell_2,
        effective_on=date(2025, 6, 1),
        reason="test",
    )
    agree()


def test_rebuild_recounts_from_scratch(tree, people):
    MemberTally.objects.all().delete()
    RatingTally.objects.all().delete()
    ExcellentRun.objects.all().delete()
    assert tallies.differences() != []
    tallies.rebuild()
    agree()
