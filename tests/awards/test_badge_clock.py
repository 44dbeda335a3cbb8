"""The badge clock: the badge list between two occasions read from each
member's interruption summary and highest badge held lists exactly what the
party age computed from scratch gives, and every service that records an
interruption, an admission date or an award keeps the summary right."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awards import badge_clock as held_clock
from awards import selectors, services
from awards.models import BADGE_YEARS
from committees import badge_clock
from committees import services as committee_services
from committees.dates import add_months
from committees.models import OPEN_INTERRUPTION, Interruption, Member, MemberStatus
from tests.awards.test_eligibility_badges import interrupt, member

OCCASIONS = [date(2024, 11, 7), date(2025, 9, 2), date(2026, 2, 3), date(2027, 5, 19)]

person = st.fixed_dictionaries(
    {
        "years": st.sampled_from(BADGE_YEARS),
        # admission around the day that makes the badge fall on the occasion
        "offset": st.integers(-200, 200),
        "gaps": st.lists(
            st.tuples(st.integers(0, 12_000), st.integers(0, 900)), max_size=2
        ),
        "open": st.booleans(),
        "ill": st.sampled_from([False, False, False, True]),
        "died": st.one_of(st.none(), st.integers(-30, 400)),
    }
)


@pytest.fixture(autouse=True)
def _kinds(badge_kinds):
    return badge_kinds


def listed(rows) -> list[tuple[int, int, int]]:
    return [(c.pk, c.badge_years, c.kind_id) for c in rows]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    people=st.lists(person, min_size=1, max_size=6), occasion=st.sampled_from(OCCASIONS)
)
def test_the_clock_lists_what_the_party_age_gives(tree, admin_user, people, occasion):
    """Members admitted around each badge's window, with interruptions
    closed long ago, spanning the previous occasion or still open, seriously
    ill or deceased: the page read from the clock has the same members,
    badges, order and totals as the statement that computes every party
    age."""
    since = selectors.previous_occasion(occasion)
    created: list[Member] = []
    try:
        for n, p in enumerate(people):
            admitted = add_months(occasion, -12 * p["years"]) + timedelta(p["offset"])
            fields = {}
            if p["died"] is not None:
                fields = {
                    "status": MemberStatus.DECEASED,
                    "status_changed_on": occasion - timedelta(p["died"]),
                }
            someone = member(
                tree, f"Người {n}", admitted, seriously_ill=p["ill"], **fields
            )
            created.append(someone)
            start = admitted
            for i, (offset, length) in enumerate(p["gaps"]):
                start += timedelta(offset)
                end = start + timedelta(length)
                if p["open"] and i == len(p["gaps"]) - 1:
                    end = None
                interrupt(someone, start, end)
                if end is None:
                    break
                start = end + timedelta(1)
        expected = selectors.badges_due(None, occasion=occasion, since=since)
        page = selectors.badges_due_page(
            admin_user, occasion=occasion, since=since, per_page=100
        )
        assert listed(page.rows) == listed(expected)
        assert page.total == len(expected)
        assert page.by_years == Counter(c.badge_years for c in expected)
        assert badge_clock.stale() == []
    finally:
        Interruption.objects.filter(member__in=created).delete()
        Member.objects.filter(pk__in=[m.pk for m in created]).delete()


def test_the_clock_pages_like_the_statement(tree, admin_user, city_staff, outsider):
    """Fifty-seven members due over the whole portal: two pages in the
    statement's order, with the totals of each badge; a scope's staff see
    their own subtree (computed by the statement, inside a scope)."""
    occasion, since = date(2025, 9, 2), date(2025, 5, 19)
    for n in range(55):
        member(tree, f"Đảng viên {n:02d}", date(1995, 6, 1) + timedelta(n))
    member(tree, "Bốn mươi năm", date(1985, 7, 1))
    elsewhere = member(tree, "Huyện", date(1995, 7, 1))
    elsewhere.organization = tree.district_cell
    elsewhere.save()
    expected = listed(selectors.badges_due(None, occasion=occasion, since=since))
    assert len(expected) == 57 and expected[0][1] == 40
    pages = [
        selectors.badges_due_page(admin_user, occasion=occasion, since=since, page=n)
        for n in (1, 2, 3)
    ]
    assert listed(pages[0].rows) + listed(pages[1].rows) == expected
    assert listed(pages[2].rows) == listed(pages[1].rows)  # past the end: the last
    assert (pages[0].total, pages[0].by_years) == (57, {40: 1, 30: 56})
    city = selectors.badges_due_page(city_staff, occasion=occasion, since=since)
    assert city.total == 56 and "Huyện" not in {c.name for c in city.rows}
    theirs = selectors.badges_due_page(outsider, occasion=occasion, since=since)
    assert [c.name for c in theirs.rows] == ["Huyện"]


def test_a_badge_held_is_not_due_again_and_a_revoked_one_is(
    tree, flow, province_staff, badge_kinds
):
    occasion, since = date(2025, 9, 2), date(2025, 5, 19)
    holder = member(tree, "Đã có huy hiệu", date(1995, 7, 1))
    other = member(tree, "Chưa có", date(1995, 7, 2))
    decision = flow.badge(badge_kinds[30], holder)
    holder.refresh_from_db()
    assert holder.badge_held == 30
    page = selectors.badges_due_page(None, occasion=occasion, since=since)
    assert [c.name for c in page.rows] == ["Chưa có"]
    services.revoke_award(
        acting_user=province_staff,
        award=decision.awards.get(),
        reason="Nhầm đối tượng",
        revoked_at=date(2025, 2, 1),
    )
    holder.refresh_from_db()
    assert holder.badge_held == 0
    page = selectors.badges_due_page(None, occasion=occasion, since=since)
    assert {c.name for c in page.rows} == {"Đã có huy hiệu", "Chưa có"}
    assert held_clock.stale() == [] and other.badge_held == 0


def test_an_administrator_changing_a_held_kind_changes_the_badge_held(
    client, admin_user, tree, flow, badge_kinds
):
    """The badge years of a kind corrected in the admin: its holders hold
    the corrected badge."""
    from django.forms.models import model_to_dict
    from django.urls import reverse

    holder = member(tree, "Đã có huy hiệu", date(1995, 7, 1))
    flow.badge(badge_kinds[30], holder)
    kind = badge_kinds[30]
    data = {k: v for k, v in model_to_dict(kind).items() if v is not None and v != ""}
    data.update(badge_years=40, is_active="on", through_intermediate_levels="on")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:awards_awardkind_change", args=[kind.pk]), data
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    holder.refresh_from_db()
    assert holder.badge_held == 40
    assert held_clock.stale() == []


def test_every_service_keeps_the_summary_right(tree, city_staff):
    """Interruptions added (closed, open) and removed, an admission date
    corrected by an edit and by an import: the stored summary equals a
    recount after each."""
    from committees import imports
    from tests.committees.imports_support import csv_bytes, good_row, store

    someone = member(tree, "Gián đoạn", date(1990, 3, 1))
    interrupt(someone, date(2000, 1, 1), date(2000, 1, 10))
    someone.refresh_from_db()
    assert (someone.interrupted_days, someone.interrupted_until) == (
        10,
        date(2000, 1, 10),
    )
    interrupt(someone, date(2010, 1, 1), None)
    someone.refresh_from_db()
    assert someone.interrupted_until == OPEN_INTERRUPTION
    assert badge_clock.stale() == []
    committee_services.delete_interruption(
        acting_user=None, interruption=someone.interruptions.get(ended_on=None)
    )
    someone.refresh_from_db()
    assert (someone.interrupted_days, someone.interrupted_until) == (
        10,
        date(2000, 1, 10),
    )
    # An admission moved after the interruption's start shortens it.
    committee_services.update_member(
        acting_user=None,
        member=someone,
        admitted_on=date(2000, 1, 6),
        official_on=date(2001, 1, 6),
    )
    someone.refresh_from_db()
    assert someone.interrupted_days == 5
    row = good_row(
        tree.city_cell,
        full_name=someone.full_name,
        card_number=someone.card_number,
        citizen_id=someone.citizen_id or "",
        birth_date=someone.birth_date.strftime("%d/%m/%Y"),
        admitted_on="01/12/1999",
        official_on=someone.official_on.strftime("%d/%m/%Y"),
    )
    upload = store(city_staff, "m.csv", csv_bytes([row]))
    result = imports.import_members(
        acting_user=city_staff, upload=upload, update_existing=True
    )
    assert result.updated == 1
    someone.refresh_from_db()
    assert (someone.admitted_on, someone.interrupted_days) == (date(1999, 12, 1), 10)
    assert badge_clock.stale() == []


def test_saving_a_member_read_earlier_keeps_the_summary(tree):
    """A form holding the member from before an interruption was recorded
    saves its fields, not its old summary."""
    someone = member(tree, "Đọc trước", date(1990, 3, 1))
    read_earlier = Member.objects.get(pk=someone.pk)
    interrupt(someone, date(2000, 1, 1), date(2000, 1, 31))
    read_earlier.note = "Sửa ghi chú"
    read_earlier.save()
    someone.refresh_from_db()
    assert (someone.note, someone.interrupted_days) == ("Sửa ghi chú", 31)
