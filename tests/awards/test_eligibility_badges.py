"""Membership badges due on an occasion: party age with interruptions
subtracted (as ``compute_party_age``), the anniversary day itself, the
early allowances for seriously ill and deceased members, the highest badge
newly reached, badges already held."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awards import selectors
from committees import services as committee_services
from committees.dates import add_months, compute_party_age
from committees.models import Interruption, Member, MemberStatus
from tests.factories import MemberFactory

SEPT_2 = date(2025, 9, 2)


def due(occasion=SEPT_2, **kwargs) -> dict[str, int]:
    return {
        c.name: c.badge_years
        for c in selectors.badges_due(None, occasion=occasion, **kwargs)
    }


def member(tree, name: str, admitted_on: date, **fields) -> Member:
    return MemberFactory(
        full_name=name,
        organization=tree.city_cell,
        admitted_on=admitted_on,
        official_on=add_months(admitted_on, 12),  # 29/02 + 1 year: 28/02
        birth_date=date(admitted_on.year - 25, 1, 1),
        **fields,
    )


def interrupt(member: Member, start: date, end: date | None) -> None:
    committee_services.add_interruption(
        acting_user=None,
        member=member,
        started_on=start,
        ended_on=end,
        reason="lost_contact",
    )


@pytest.fixture(autouse=True)
def _kinds(badge_kinds):
    return badge_kinds


def test_the_occasion_on_the_anniversary_day_itself_counts_as_reached(tree):
    member(tree, "Đúng ngày", date(1995, 9, 2))
    member(tree, "Thiếu một ngày", date(1995, 9, 3))
    assert due() == {"Đúng ngày": 30}


def test_interrupted_days_push_the_anniversary_back(tree):
    eight = member(tree, "Gián đoạn 8 ngày", date(1995, 8, 25))
    ten = member(tree, "Gián đoạn 10 ngày", date(1995, 8, 25))
    interrupt(eight, date(2000, 1, 1), date(2000, 1, 8))
    interrupt(ten, date(2000, 1, 1), date(2000, 1, 10))
    # 25/08/2025 + 8 days = 02/09/2025: reached on the day; + 10 days: not yet.
    assert due() == {"Gián đoạn 8 ngày": 30}


def test_interruption_periods_add_up(tree):
    twice = member(tree, "Hai lần", date(1995, 8, 1))
    interrupt(twice, date(1998, 3, 1), date(1998, 3, 20))  # 20 days
    interrupt(twice, date(2003, 5, 1), date(2003, 5, 13))  # 13 days
    # 01/08/2025 + 33 days = 03/09/2025: one day short on 2 September.
    assert due() == {}
    assert due(occasion=date(2025, 11, 7)) == {"Hai lần": 30}
    [row] = selectors.badges_due(None, occasion=date(2025, 11, 7))
    assert row.evidence["interrupted_days"] == 33
    assert row.evidence["interruptions"] == [
        ["1998-03-01", "1998-03-20"],
        ["2003-05-01", "2003-05-13"],
    ]
    assert row.evidence["party_age"] == {"years": 30, "months": 2}


def test_a_member_gets_the_highest_badge_reached(tree):
    member(tree, "Bốn mươi sáu năm", date(1979, 5, 1))
    assert due() == {"Bốn mươi sáu năm": 45}


def test_a_badge_already_held_is_not_due_again_but_the_next_one_is(
    tree, flow, badge_kinds
):

    old = member(tree, "Đã có 30", date(1995, 1, 1))
    older = member(tree, "Đã có 30, nay 40", date(1985, 1, 1))
    for person in (old, older):
        flow.badge(badge_kinds[30], person)
    assert due() == {"Đã có 30, nay 40": 40}


def test_a_seriously_ill_member_may_have_a_30_to_65_year_badge_12_months_early(
    tree,
):
    member(tree, "Ốm nặng", date(1996, 6, 1), seriously_ill=True)  # 29 y 3 m
    member(tree, "Khỏe", date(1996, 6, 1))
    member(tree, "Ốm nặng, thiếu 13 tháng", date(1996, 10, 1), seriously_ill=True)
    assert due() == {"Ốm nặng": 30}
    [row] = selectors.badges_due(None, occasion=SEPT_2)
    assert row.evidence["early_years"] == 1
    assert row.evidence["early_reason"] == "seriously_ill"


def test_a_seriously_ill_member_may_have_a_70_to_90_year_badge_24_months_early(
    tree,
):
    member(tree, "Ốm nặng 68 năm", date(1957, 1, 1), seriously_ill=True)
    member(tree, "Khỏe 68 năm", date(1957, 1, 1))
    assert due() == {"Ốm nặng 68 năm": 70, "Khỏe 68 năm": 65}


def test_a_deceased_member_posthumously_up_to_12_months_early(tree):
    member(
        tree,
        "Từ trần",
        date(1995, 6, 1),
        status=MemberStatus.DECEASED,
        status_changed_on=date(2025, 3, 1),  # 29 y 9 m at death
    )
    member(
        tree,
        "Từ trần, thiếu 14 tháng",
        date(1996, 5, 1),
        status=MemberStatus.DECEASED,
        status_changed_on=date(2025, 3, 1),
    )
    member(
        tree,
        "Từ trần đã lâu",
        date(1960, 1, 1),
        status=MemberStatus.DECEASED,
        status_changed_on=date(2020, 3, 1),
    )
    assert due() == {"Từ trần": 30}


def test_the_allowance_is_for_the_ill_and_the_deceased_only(tree):
    member(
        tree,
        "Chuyển đi",
        date(1990, 1, 1),
        status=MemberStatus.TRANSFERRED_OUT,
        status_changed_on=date(2024, 1, 1),
    )
    member(
        tree,
        "Khai trừ",
        date(1990, 1, 1),
        status=MemberStatus.EXPELLED,
        status_changed_on=date(2024, 1, 1),
    )
    assert due() == {}


def test_since_the_previous_occasion_lists_only_badges_newly_reached(tree):
    member(tree, "Mới đủ", date(1995, 7, 1))
    member(tree, "Đủ từ năm ngoái", date(1994, 7, 1))
    assert due() == {"Mới đủ": 30, "Đủ từ năm ngoái": 30}
    assert due(since=date(2025, 5, 19)) == {"Mới đủ": 30}


def test_an_interruption_brings_an_early_admission_into_the_window(tree, city_staff):
    """Admitted outside the admission window, reaching 30 years inside it
    because of 150 interrupted days: found for the whole portal and inside a
    scope alike (the two read the interrupted members differently)."""
    late = member(tree, "Gián đoạn", date(1995, 3, 1))
    interrupt(late, date(2001, 1, 1), date(2001, 5, 30))
    member(tree, "Đủ từ trước", date(1995, 3, 1))
    since = date(2025, 5, 19)
    assert due(since=since) == {"Gián đoạn": 30}
    scoped = selectors.badges_due(city_staff, occasion=SEPT_2, since=since)
    assert [(c.name, c.badge_years) for c in scoped] == [("Gián đoạn", 30)]


def test_each_province_grants_its_own_badges(tree, admin_user, city_staff):
    """Two provinces, each with its own badge kinds: each one's staff see
    their members due with their own kind, the national root sees both, each
    member with the kind of the province above them."""
    from awards.models import AwardForm, Criterion, PeriodType
    from tests.awards.conftest import make_kind
    from tests.factories import K, org, user

    other = org(None, K.PROVINCE, "Đảng bộ tỉnh Lạng Sơn", "TU-LS")
    district = org(other, K.DISTRICT, "Huyện Hữu Lũng", "HU-HL")
    commune = org(district, K.GRASSROOTS_COMMITTEE, "Đảng bộ xã Hòa Lạc", "HL-HL")
    other_cell = org(commune, K.CELL, "Chi bộ thôn Bắc Hòa", "HL-HL-1")
    own = make_kind(
        other,
        "LS-HH-30",
        form=AwardForm.BADGE,
        period_type=PeriodType.YEAR,
        criterion=Criterion.BADGE,
        consecutive_years=None,
        badge_years=30,
    )
    member(tree, "Bắc Giang", date(1995, 9, 2))
    MemberFactory(
        full_name="Lạng Sơn",
        organization=other_cell,
        admitted_on=date(1995, 9, 2),
        official_on=date(1996, 9, 2),
    )
    bac_giang = selectors.badge_kinds()[30][0]
    assert bac_giang.granting_organization == tree.province
    staff = user("ls-staff", other)
    seen = selectors.badges_due(staff, occasion=SEPT_2)
    assert [(c.name, c.kind_id) for c in seen] == [("Lạng Sơn", own.pk)]
    city = selectors.badges_due(city_staff, occasion=SEPT_2)
    assert [(c.name, c.kind_id) for c in city] == [("Bắc Giang", bac_giang.pk)]
    root = selectors.badges_due(admin_user, occasion=SEPT_2)
    assert {(c.name, c.kind_id) for c in root} == {
        ("Bắc Giang", bac_giang.pk),
        ("Lạng Sơn", own.pk),
    }
    page = selectors.badges_due_page(staff, occasion=SEPT_2)
    assert page.total == 1 and page.rows[0].kind_id == own.pk


def test_the_list_is_scoped_and_one_query_after_the_badge_kinds(
    tree, city_staff, outsider, django_assert_num_queries
):
    member(tree, "Thành phố", date(1990, 1, 1))
    MemberFactory(
        full_name="Huyện",
        organization=tree.district_cell,
        admitted_on=date(1990, 1, 1),
        official_on=date(1991, 1, 1),
    )
    kinds = selectors.badge_kinds()
    with django_assert_num_queries(1):
        rows = selectors.badges_due(city_staff, occasion=SEPT_2, kinds=kinds)
    assert [r.name for r in rows] == ["Thành phố"]
    assert [r.name for r in selectors.badges_due(outsider, occasion=SEPT_2)] == [
        "Huyện"
    ]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    admitted=st.dates(date(1930, 1, 1), date(2000, 12, 31)),
    gaps=st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 900)), max_size=3),
    occasion=st.sampled_from(
        [date(y, m, d) for y in (2024, 2025, 2028) for m, d in ((2, 3), (9, 2))]
    ),
    ill=st.booleans(),
)
def test_the_sql_agrees_with_compute_party_age(tree, admitted, gaps, occasion, ill):
    """Whatever the dates, the badge the SQL finds is the one the Python rule
    of party age gives (no allowance for the healthy)."""
    person = member(tree, "Ngẫu nhiên", admitted, seriously_ill=ill)
    spans = []
    cursor = admitted
    for offset, length in gaps:
        start = cursor + timedelta(days=offset)
        end = start + timedelta(days=length)
        if end >= occasion:
            break
        Interruption.objects.create(
            member=person, started_on=start, ended_on=end, reason="other"
        )
        spans.append((start, end))
        cursor = end + timedelta(days=1)
    try:
        age = compute_party_age(admitted, spans, occasion)
        months = age.years * 12 + age.months
        expected = None
        for years in sorted(selectors.badge_kinds(), reverse=True):
            early = selectors.ILL_EARLY_YEARS.get(years, 0) if ill else 0
            if months >= 12 * (years - early):
                expected = years
                break
        rows = selectors.badges_due(None, occasion=occasion)
        assert (rows[0].badge_years if rows else None) == expected
        if rows:
            assert rows[0].evidence["party_age"] == {
                "years": age.years,
                "months": age.months,
            }
    finally:
        person.interruptions.all().delete()
        person.delete()
