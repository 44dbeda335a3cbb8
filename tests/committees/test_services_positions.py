"""appoint_position / update_position / end_position and the current committee."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from committees import selectors, services
from committees.models import ROLE_BODIES, Body, MemberStatus, Position, Role
from tests.factories import MemberFactory, term_2020


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def term(db):
    return term_2020()


def appoint(member, organization, term, role=Role.MEMBER, body=Body.EXECUTIVE, **kw):
    return services.appoint_position(
        acting_user=kw.pop("acting_user", None),
        member=member,
        organization=organization,
        body=body,
        role=role,
        term=term,
        started_on=kw.pop("started_on", date(2020, 10, 15)),
        **kw,
    )


COMPATIBLE = sorted(
    (role, body) for role, bodies in ROLE_BODIES.items() for body in bodies
)
INCOMPATIBLE = sorted(
    (role, body)
    for role, bodies in ROLE_BODIES.items()
    for body in Body.values
    if body not in bodies
)


@pytest.mark.parametrize(("role", "body"), COMPATIBLE)
def test_it_accepts_a_role_in_a_body_that_has_it(tree, city_member, term, role, body):
    position = appoint(city_member, tree.city, term, role=role, body=body)
    assert position.pk


@pytest.mark.parametrize(("role", "body"), INCOMPATIBLE)
def test_it_refuses_a_role_in_a_body_that_lacks_it(tree, city_member, term, role, body):
    with pytest.raises(ValidationError) as error:
        appoint(city_member, tree.city, term, role=role, body=body)
    assert "does not sit in the" in error.value.message_dict["role"][0]
    assert not Position.objects.exists()


def test_a_body_has_one_current_secretary(tree, city_member, term):
    appoint(city_member, tree.city, term, role=Role.SECRETARY)
    other = MemberFactory(organization=tree.city_cell_2)
    with pytest.raises(ValidationError) as error:
        appoint(other, tree.city, term, role=Role.SECRETARY)
    assert error.value.messages == [
        "This body already has a current Secretary: end that position first."
    ]
    assert Position.objects.count() == 1


def test_a_new_secretary_may_follow_an_ended_one(tree, city_member, term):
    first = appoint(city_member, tree.city, term, role=Role.SECRETARY)
    services.end_position(acting_user=None, position=first, ended_on=date(2023, 1, 1))
    other = MemberFactory(organization=tree.city_cell_2)
    second = appoint(
        other, tree.city, term, role=Role.SECRETARY, started_on=date(2023, 1, 2)
    )
    assert second.pk


def test_each_body_has_its_own_secretary(tree, city_member, term):
    appoint(city_member, tree.city, term, role=Role.SECRETARY, body=Body.EXECUTIVE)
    appoint(city_member, tree.city, term, role=Role.SECRETARY, body=Body.STANDING)
    assert Position.objects.current().count() == 2


def test_a_member_holds_one_current_seat_per_body(tree, city_member, term):
    appoint(city_member, tree.city, term, role=Role.DEPUTY_SECRETARY)
    with pytest.raises(ValidationError) as error:
        appoint(city_member, tree.city, term, role=Role.MEMBER)
    assert error.value.messages == [
        "This member already holds a current seat in this body."
    ]


def test_the_member_must_belong_to_the_organizations_subtree(
    tree, district_member, term
):
    with pytest.raises(ValidationError) as error:
        appoint(district_member, tree.city, term)
    assert "is not a member of" in error.value.message_dict["member"][0]


def test_a_member_of_a_cell_may_sit_on_the_province_committee(tree, city_member, term):
    assert appoint(city_member, tree.province, term).organization == tree.province


def test_an_inactive_member_cannot_take_a_seat(tree, term):
    deceased = MemberFactory(
        organization=tree.city_cell,
        status=MemberStatus.DECEASED,
        status_changed_on=date(2019, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        appoint(deceased, tree.city, term)
    assert "is not an active party member" in error.value.message_dict["member"][0]


@pytest.mark.parametrize("started_on", [date(2020, 9, 30), date(2025, 10, 1)])
def test_the_start_date_must_lie_inside_the_term(tree, city_member, term, started_on):
    with pytest.raises(ValidationError) as error:
        appoint(city_member, tree.city, term, started_on=started_on)
    assert error.value.message_dict["started_on"] == [
        "The start date lies outside the term 2020–2025."
    ]


@pytest.mark.parametrize("started_on", [date(2020, 10, 1), date(2025, 9, 30)])
def test_the_first_and_last_days_of_the_term_are_inside_it(
    tree, city_member, term, started_on
):
    assert appoint(city_member, tree.city, term, started_on=started_on).pk


def test_appointing_outside_the_scope_is_refused(
    tree, city_staff, district_member, term
):
    with pytest.raises(PermissionDenied):
        appoint(district_member, tree.district, term, acting_user=city_staff)


def test_ending_a_position_keeps_it_in_the_record(tree, city_member, term, city_staff):
    position = appoint(city_member, tree.city, term, role=Role.SECRETARY)
    services.end_position(
        acting_user=city_staff, position=position, ended_on=date(2024, 5, 1)
    )
    position.refresh_from_db()
    assert position.ended_on == date(2024, 5, 1)
    assert not position.is_current
    assert list(selectors.current_committee(tree.city)) == []
    assert position.history.first().history_user == city_staff


def test_a_position_cannot_end_before_it_starts(tree, city_member, term):
    position = appoint(city_member, tree.city, term)
    with pytest.raises(ValidationError):
        services.end_position(
            acting_user=None, position=position, ended_on=date(2020, 10, 1)
        )
    position.refresh_from_db()
    assert position.ended_on is None


def test_a_position_ends_once(tree, city_member, term):
    position = appoint(city_member, tree.city, term)
    services.end_position(
        acting_user=None, position=position, ended_on=date(2022, 1, 1)
    )
    position.refresh_from_db()
    with pytest.raises(ValidationError):
        services.end_position(
            acting_user=None, position=position, ended_on=date(2023, 1, 1)
        )


def test_the_current_committee_lists_the_secretary_first(tree, term):
    names = {
        Role.MEMBER: "An Văn Ủy Viên",
        Role.DEPUTY_SECRETARY: "Bùi Thị Phó",
        Role.SECRETARY: "Chu Văn Bí Thư",
        Role.STANDING_DEPUTY_SECRETARY: "Đỗ Văn Thường Trực",
    }
    for role, name in names.items():
        member = MemberFactory(full_name=name, organization=tree.city_cell)
        appoint(member, tree.city, term, role=role)
    roles = [p.role for p in selectors.current_committee(tree.city)]
    assert roles == [
        Role.SECRETARY,
        Role.STANDING_DEPUTY_SECRETARY,
        Role.DEPUTY_SECRETARY,
        Role.MEMBER,
    ]


def test_the_current_committee_is_one_query(tree, term):
    for _ in range(5):
        appoint(MemberFactory(organization=tree.city_cell), tree.city, term)
    with CaptureQueriesContext(connection) as queries:
        committee = list(selectors.current_committee(tree.city))
        names = [(p.member.full_name, p.term.name) for p in committee]
    assert len(names) == 5
    assert len(queries.captured_queries) == 1


def test_deleting_a_position_entered_by_mistake(tree, city_member, term):
    position = appoint(city_member, tree.city, term)
    services.delete_position(acting_user=None, position=position)
    assert not Position.objects.exists()
