"""The eligibility, nomination, decision, register and badge pages make as
many queries with many rows as with few."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards import services
from tests.awards.conftest import stars
from tests.factories import MemberFactory


def count(client, address: str) -> int:
    client.get(address)  # warm the per-process caches (content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200, address
    return len(queries)


def test_the_eligibility_page(client, city_staff, member_kind, term_period, tree):
    client.force_login(city_staff)
    address = reverse("awards:eligibility") + (
        f"?kind={member_kind.pk}&period={term_period.pk}"
    )
    stars(tree.city_cell, 1)
    small = count(client, address)
    stars(tree.city_cell_2, 12, prefix="Thêm")
    large = count(client, address)
    assert large == small


def test_the_nomination_page_and_list(
    client, flow, city_staff, province_staff, member_kind, term_period, tree
):
    client.force_login(province_staff)
    few = flow.nominate(member_kind, term_period, members=stars(tree.city_cell, 1))
    services.submit_nomination(acting_user=city_staff, nomination=few)
    small_page = count(client, few.get_absolute_url())
    small_list = count(client, reverse("awards:nomination_list"))
    many = flow.nominate(
        member_kind, term_period, members=stars(tree.city_cell_2, 12, prefix="Thêm")
    )
    services.submit_nomination(acting_user=city_staff, nomination=many)
    services.reject_candidate(
        acting_user=province_staff, item=many.items.first(), reason="Không đạt"
    )
    for _ in range(5):
        flow.nominate(
            member_kind, term_period, members=stars(tree.city_cell, 1, prefix="Nữa")
        )
    assert count(client, many.get_absolute_url()) == small_page
    assert count(client, reverse("awards:nomination_list")) == small_list


def test_the_register_and_the_decision_page(
    client, flow, province_staff, member_kind, term_period, tree
):
    client.force_login(province_staff)
    first = flow.conferred(member_kind, term_period, members=stars(tree.city_cell, 1))
    small_register = count(client, reverse("awards:register"))
    small_decision = count(client, first.get_absolute_url())
    big = flow.conferred(
        member_kind, term_period, members=stars(tree.city_cell_2, 15, prefix="Thêm")
    )
    assert count(client, reverse("awards:register")) == small_register
    assert count(client, big.get_absolute_url()) == small_decision
    award = big.awards.first()
    assert count(client, award.get_absolute_url()) <= small_decision + 3


@pytest.mark.usefixtures("badge_kinds")
@pytest.mark.parametrize("overdue", ["&overdue=on", ""])
@pytest.mark.parametrize("who", ["city_staff", "admin_user"])
def test_the_badge_page(client, tree, overdue, who, request):
    """Both lists, in a scope and for the whole portal: every badge not held
    (each party age computed) and those reached since the previous occasion
    (for the whole portal, read from the badge clock)."""
    client.force_login(request.getfixturevalue(who))
    address = reverse("awards:badges") + "?year=2025&occasion=09-02" + overdue
    MemberFactory(organization=tree.city_cell, admitted_on=date(1995, 7, 1))
    small = count(client, address)
    for i in range(10):
        MemberFactory(
            organization=tree.city_cell_2, admitted_on=date(1950 + 5 * i, 7, 1 + i)
        )
    assert count(client, address) == small
