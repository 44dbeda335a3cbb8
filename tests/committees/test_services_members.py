"""create_member / update_member / recognize_official and the membership rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from committees import selectors, services
from committees.dates import add_months
from committees.models import Gender, Member, MemberStatus
from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def data(organization, **overrides) -> dict:
    values = {
        "full_name": "  Lê   Thị Mai ",
        "birth_date": date(1990, 4, 2),
        "gender": Gender.FEMALE,
        "card_number": "55501234",
        "organization": organization,
        "admitted_on": date(2015, 6, 1),
        "official_on": date(2016, 6, 1),
        "status": MemberStatus.OFFICIAL,
    }
    values.update(overrides)
    return values


def refused(organization, field: str | None, **overrides) -> list[str]:
    """The messages on ``field`` (None: all of them) when creating; nothing
    may be saved."""
    before = Member.objects.count()
    with pytest.raises(ValidationError) as error:
        services.create_member(acting_user=None, **data(organization, **overrides))
    assert Member.objects.count() == before
    if field is None:
        return error.value.messages
    return error.value.message_dict[field]


def test_it_creates_a_member_with_a_clean_name_and_search_key(tree, city_staff):
    member = services.create_member(acting_user=city_staff, **data(tree.city_cell))
    assert member.full_name == "Lê Thị Mai"
    assert member.search_key == "le thi mai"
    assert member.history.get().history_user == city_staff


# ---------------------------------------------------------------- dates


def test_the_official_date_may_be_exactly_twelve_months_after_admission(tree):
    member = services.create_member(
        acting_user=None,
        **data(
            tree.city_cell, admitted_on=date(2015, 6, 1), official_on=date(2016, 6, 1)
        ),
    )
    assert member.official_on == date(2016, 6, 1)


def test_it_refuses_an_official_date_one_day_short_of_twelve_months(tree):
    messages = refused(
        tree.city_cell,
        "official_on",
        admitted_on=date(2015, 6, 1),
        official_on=date(2016, 5, 31),
    )
    assert messages == [
        "The official date must be at least 12 months after admission "
        "(01/06/2016 or later)."
    ]


def test_it_refuses_an_official_date_before_admission_next_to_the_field(tree):
    # The membership rule speaks before the blunter table constraint.
    messages = refused(
        tree.city_cell,
        "official_on",
        admitted_on=date(2015, 6, 1),
        official_on=date(2015, 5, 1),
    )
    assert messages == [
        "The official date must be at least 12 months after admission "
        "(01/06/2016 or later)."
    ]


def test_it_accepts_admission_on_the_18th_birthday(tree):
    member = services.create_member(
        acting_user=None,
        **data(
            tree.city_cell,
            birth_date=date(1990, 6, 2),
            admitted_on=date(2008, 6, 2),
            official_on=date(2009, 6, 2),
        ),
    )
    assert member.pk


def test_it_refuses_admission_the_day_before_the_18th_birthday(tree):
    messages = refused(
        tree.city_cell,
        "admitted_on",
        birth_date=date(1990, 6, 2),
        admitted_on=date(2008, 6, 1),
        official_on=date(2009, 6, 1),
    )
    assert messages == ["A member is admitted at 18 or older."]


def test_it_refuses_an_admission_date_in_the_future(tree):
    tomorrow = timezone.localdate() + timedelta(days=1)
    messages = refused(
        tree.city_cell,
        "admitted_on",
        admitted_on=tomorrow,
        official_on=None,
        status=MemberStatus.PROBATIONARY,
    )
    assert messages == ["The admission date cannot be in the future."]


def test_it_accepts_an_admission_today(tree):
    member = services.create_member(
        acting_user=None,
        **data(
            tree.city_cell,
            admitted_on=timezone.localdate(),
            official_on=None,
            status=MemberStatus.PROBATIONARY,
        ),
    )
    assert member.status == MemberStatus.PROBATIONARY


# ---------------------------------------------------------------- status


def test_it_refuses_a_probationary_member_with_an_official_date(tree):
    messages = refused(tree.city_cell, "status", status=MemberStatus.PROBATIONARY)
    assert messages == ["A member with an official date is no longer probationary."]


def test_it_refuses_an_official_member_without_an_official_date(tree):
    messages = refused(tree.city_cell, None, official_on=None)
    assert messages == ["An official member needs an official date."]


def test_it_asks_for_the_date_of_a_status_that_ends_membership(tree):
    messages = refused(
        tree.city_cell, "status_changed_on", status=MemberStatus.DECEASED
    )
    assert messages == ["Give the date of this status."]


def test_an_active_member_keeps_no_status_date(tree):
    member = services.create_member(
        acting_user=None,
        **data(tree.city_cell, status_changed_on=date(2020, 1, 1)),
    )
    assert member.status_changed_on is None


# ---------------------------------------------------------------- identity


def test_a_second_member_with_the_same_card_number_is_refused(tree, city_member):
    messages = refused(
        tree.city_cell, "card_number", card_number=city_member.card_number
    )
    assert messages == ["Party member with this Party card number already exists."]
    assert Member.objects.filter(card_number=city_member.card_number).count() == 1


def test_the_card_number_is_compared_after_trimming(tree, city_member):
    refused(tree.city_cell, "card_number", card_number=f" {city_member.card_number} ")


@pytest.mark.parametrize("card", ["12345", "ABC12345", "1234567890123456789"])
def test_it_refuses_a_malformed_card_number(tree, card):
    assert refused(tree.city_cell, "card_number", card_number=card)


@pytest.mark.parametrize("citizen_id", ["12345678901", "1234567890123", "12345678901a"])
def test_it_refuses_a_citizen_id_without_exactly_twelve_digits(tree, citizen_id):
    messages = refused(tree.city_cell, "citizen_id", citizen_id=citizen_id)
    assert "A citizen ID number has exactly 12 digits." in messages


def test_it_refuses_a_second_member_with_the_same_citizen_id(tree):
    services.create_member(
        acting_user=None, **data(tree.city_cell, citizen_id="001090012345")
    )
    messages = refused(
        tree.city_cell, "citizen_id", card_number="55509999", citizen_id="001090012345"
    )
    assert messages == ["Party member with this Citizen ID number already exists."]


def test_members_without_citizen_id_do_not_collide(tree):
    services.create_member(acting_user=None, **data(tree.city_cell, citizen_id=""))
    services.create_member(
        acting_user=None, **data(tree.city_cell, card_number="55509999", citizen_id="")
    )
    assert Member.objects.filter(citizen_id__isnull=True).count() == 2


# ---------------------------------------------------------------- organization


def test_only_cells_hold_members(tree):
    messages = refused(tree.city_grassroots, "organization")
    assert messages == ["Members belong to a party cell or a grassroots party cell."]


def test_a_grassroots_cell_holds_members(tree):
    from tests.factories import K, org

    cell = org(tree.city, K.GRASSROOTS_CELL, "Chi bộ cơ sở trường THPT", "TP-BG-THPT")
    assert services.create_member(acting_user=None, **data(cell)).organization == cell


def test_create_refuses_an_organization_outside_the_scope(tree, city_staff):
    with pytest.raises(PermissionDenied):
        services.create_member(acting_user=city_staff, **data(tree.district_cell))
    assert not Member.objects.exists()


def test_update_refuses_a_move_outside_the_scope(tree, city_staff, city_member):
    with pytest.raises(PermissionDenied):
        services.update_member(
            acting_user=city_staff, member=city_member, organization=tree.district_cell
        )
    city_member.refresh_from_db()
    assert city_member.organization == tree.city_cell


def test_update_refuses_a_member_outside_the_scope(city_staff, district_member):
    with pytest.raises(PermissionDenied):
        services.update_member(
            acting_user=city_staff, member=district_member, note="seen"
        )


def test_update_runs_the_same_rules(tree, city_member):
    with pytest.raises(ValidationError) as error:
        services.update_member(
            acting_user=None, member=city_member, official_on=date(2010, 4, 1)
        )
    assert "official_on" in error.value.message_dict
    city_member.refresh_from_db()
    assert city_member.official_on == date(2011, 3, 2)


def test_update_refuses_unknown_fields(city_member):
    with pytest.raises(ValueError):
        services.update_member(acting_user=None, member=city_member, search_key="x")


# ---------------------------------------------------------------- history


def test_an_update_records_who_changed_what_and_why(city_staff, city_member):
    services.update_member(
        acting_user=city_staff,
        member=city_member,
        note="Moved house",
        reason="address update",
    )
    latest, previous = city_member.history.all()[:2]
    assert latest.history_user == city_staff
    assert latest.history_change_reason == "address update"
    changes = latest.diff_against(previous).changes
    assert [(c.field, c.old, c.new) for c in changes] == [("note", "", "Moved house")]


# ---------------------------------------------------------------- official recognition


def probationary(tree, admitted_on: date) -> Member:
    return MemberFactory(
        organization=tree.city_cell,
        admitted_on=admitted_on,
        official_on=None,
        status=MemberStatus.PROBATIONARY,
    )


def test_due_for_recognition_includes_a_probationary_member_past_twelve_months(
    tree, city_staff
):
    today = date(2025, 6, 15)
    due = probationary(tree, add_months(today, -12))
    late = probationary(tree, add_months(today, -14))
    assert list(selectors.members_due_official(city_staff, today)) == [late, due]


def test_due_for_recognition_excludes_a_member_at_eleven_months(tree, city_staff):
    today = date(2025, 6, 15)
    probationary(tree, add_months(today, -11))
    probationary(tree, add_months(today, -12) + timedelta(days=1))
    assert list(selectors.members_due_official(city_staff, today)) == []


def test_due_for_recognition_is_scoped(tree, city_staff):
    today = date(2025, 6, 15)
    MemberFactory(
        organization=tree.district_cell,
        admitted_on=date(2023, 1, 1),
        official_on=None,
        status=MemberStatus.PROBATIONARY,
    )
    assert list(selectors.members_due_official(city_staff, today)) == []


def test_recognition_makes_a_probationary_member_official(tree, city_staff):
    member = probationary(tree, date(2023, 1, 10))
    services.recognize_official(
        acting_user=city_staff, member=member, official_on=date(2024, 1, 10)
    )
    member.refresh_from_db()
    assert member.status == MemberStatus.OFFICIAL
    assert member.official_on == date(2024, 1, 10)
    assert member.history.first().history_change_reason == "official recognition"


def test_recognition_refuses_a_member_already_official(city_member):
    with pytest.raises(ValidationError):
        services.recognize_official(
            acting_user=None, member=city_member, official_on=date(2024, 1, 1)
        )


# ---------------------------------------------------------------- interruptions


def test_an_interruption_before_admission_is_refused(city_member):
    with pytest.raises(ValidationError) as error:
        services.add_interruption(
            acting_user=None,
            member=city_member,
            started_on=date(2009, 1, 1),
            ended_on=date(2009, 6, 1),
            reason="lost_contact",
        )
    assert "started_on" in error.value.message_dict


def test_overlapping_interruptions_are_refused(city_member):
    services.add_interruption(
        acting_user=None,
        member=city_member,
        started_on=date(2015, 1, 1),
        ended_on=date(2015, 12, 31),
        reason="lost_contact",
    )
    with pytest.raises(ValidationError) as error:
        services.add_interruption(
            acting_user=None,
            member=city_member,
            started_on=date(2015, 6, 1),
            ended_on=None,
            reason="removed",
        )
    assert error.value.message_dict["started_on"] == [
        "This period overlaps another interruption."
    ]
    assert city_member.interruptions.count() == 1


def test_an_interruption_lowers_the_party_age(city_member):
    services.add_interruption(
        acting_user=None,
        member=city_member,
        started_on=date(2015, 3, 2),
        ended_on=date(2017, 3, 1),
        reason="lost_contact",
    )
    age = selectors.party_age(city_member, as_of=date(2025, 3, 2))
    assert (age.years, age.months) == (13, 0)


def test_a_interruption_outside_the_scope_is_refused(city_staff, district_member):
    with pytest.raises(PermissionDenied):
        services.add_interruption(
            acting_user=city_staff,
            member=district_member,
            started_on=date(2015, 1, 1),
            ended_on=None,
            reason="lost_contact",
        )
