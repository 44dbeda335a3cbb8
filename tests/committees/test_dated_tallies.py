"""The dated tallies (committees.dated_tallies): the active members per
organization on the first days of months, counted ahead. A change dated
back marks every anchor it reaches as not valid, whoever writes it; a change
dated today leaves them all valid; the anchors still valid always agree with
a recount; and the tree of a day at the national root, read from the nearest
anchor, agrees with the definition (``tree_on``, ``members_on``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from committees import dated_tallies, restructuring, services, transfers
from committees.models import DatedTally, DatedTallyDay, Member, MemberStatus
from committees.restructuring_selectors import (
    dated_top,
    members_on,
    nearest_anchor,
    tree_on,
)
from tests.committees.restructure import record
from tests.committees.test_dated_tree import (
    changes_of_2025,
    recount_members_on,
    seen,
)
from tests.committees.test_tallies import member

ANCHORS = [date(2025, month, 1) for month in range(1, 13)]


def recruit(organization, card_number: str, admitted_on: date) -> Member:
    """A member admitted on the day given: official a year later, if that
    has come, else still probationary."""
    official_on = admitted_on.replace(year=admitted_on.year + 1)
    if official_on > timezone.localdate():
        official_on = None
    return member(
        organization,
        card_number=card_number,
        admitted_on=admitted_on,
        official_on=official_on,
        status=MemberStatus.OFFICIAL if official_on else MemberStatus.PROBATIONARY,
    )


def valid_days() -> list[date]:
    return list(
        DatedTallyDay.objects.filter(valid=True)
        .order_by("day")
        .values_list("day", flat=True)
    )


@pytest.fixture
def changed(tree, province_staff):
    """Members admitted, dead and moved in 2025, and a merger on 01/07."""
    changes_of_2025(tree, province_staff)
    assert dated_tallies.refresh(days=ANCHORS) == ANCHORS
    assert valid_days() == ANCHORS
    return tree


def test_the_anchors_hold_the_counts_of_their_day(changed):
    assert dated_tallies.stale() == {}
    for anchor in ANCHORS:
        stored = dict(
            DatedTally.objects.filter(day=anchor).values_list(
                "organization_id", "active"
            )
        )
        assert stored == recount_members_on(anchor, ""), anchor


def test_any_day_counts_the_same_from_any_anchor(changed):
    """From an anchor before or after the day, near or far, the members
    admitted, dead or moved in between are corrected one by one."""
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(0, 365, 9)]
    days += [date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1), date(2025, 6, 30)]
    for day in days:
        expected = recount_members_on(day, "")
        for anchor in ANCHORS:
            assert members_on(day, "", anchor=anchor) == expected, (day, anchor)


def test_the_national_root_starts_from_the_nearest_anchor(changed, admin_user):
    today = timezone.localdate()
    for day in [date(2025, 1, 14), date(2025, 3, 20), date(2025, 6, 30)]:
        assert nearest_anchor(day, today) is not None
        top, whole = dated_top(admin_user, day), tree_on(admin_user, day)
        assert [seen(r) for r in top.roots] == [seen(r) for r in whole.roots]
        assert [seen(c) for r in top.roots for c in r.children] == [
            seen(c) for r in whole.roots for c in r.children
        ]
    # Today is nearer than any anchor of 2025: today's tallies.
    assert nearest_anchor(today - timedelta(days=3), today) is None


def _late_admission(tree, people):
    recruit(tree.district_cell, "30000001", date(2025, 3, 10))
    return date(2025, 3, 10)


def _admission_corrected(tree, people):
    services.update_member(  # from 02/04/2025: it counts differently from then
        acting_user=None,
        member=people[2],
        admitted_on=date(2025, 5, 20),
        official_on=date(2026, 5, 20),
    )
    return date(2025, 4, 2)


def _death_recorded_late(tree, people):
    services.update_member(
        acting_user=None,
        member=people[1],
        status=MemberStatus.DECEASED,
        status_changed_on=date(2025, 8, 3),
    )
    return date(2025, 8, 3)


def _move_dated_back(tree, people):
    transfers.move_member(
        acting_user=None,
        member=people[1],
        to=tree.district_cell,
        effective_on=date(2025, 9, 15),
        reason="Chuyển nơi cư trú",
    )
    return date(2025, 9, 15)


def _merger_dated_back(tree, people):
    restructuring.merge_organizations(  # the members move
        acting_user=None,
        sources=[tree.district_cell],
        target=tree.city_cell,
        **record(effective_on=date(2025, 10, 1)),
    )
    return date(2025, 10, 1)


def _deleted(tree, people):
    Member.objects.get(pk=people[2].pk).delete()  # as the admin deletes
    return people[2].admitted_on


CHANGES_DATED_BACK: dict[str, Callable] = {
    "an admission entered late": _late_admission,
    "an admission date corrected": _admission_corrected,
    "a death recorded late": _death_recorded_late,
    "a move dated back": _move_dated_back,
    "a merger dated back": _merger_dated_back,
    "a member deleted": _deleted,
}


@pytest.fixture
def people(tree):
    return [
        member(tree.city_cell, card_number="20000001"),
        member(tree.city_cell_2, card_number="20000002"),
        recruit(tree.district_cell, "20000003", date(2025, 4, 2)),
    ]


@pytest.mark.parametrize("change", CHANGES_DATED_BACK, ids=str)
def test_a_change_dated_back_invalidates_the_anchors_it_reaches(tree, people, change):
    dated_tallies.refresh(days=ANCHORS)
    since = CHANGES_DATED_BACK[change](tree, people)
    assert valid_days() == [day for day in ANCHORS if day < since]
    assert dated_tallies.stale() == {}  # those left valid still hold
    reached = [day for day in ANCHORS if day >= since]
    assert dated_tallies.refresh(days=reached) == reached
    assert valid_days() == ANCHORS
    assert dated_tallies.stale() == {}


def test_changes_dated_today_leave_the_anchors_valid(tree, people):
    today = timezone.localdate()
    anchors = [*ANCHORS, today.replace(day=1)]
    if today.day == 1:  # a change today reaches today's anchor
        anchors.pop()
    dated_tallies.refresh(days=anchors)
    recruit(tree.district_cell, "30000002", today)
    services.update_member(
        acting_user=None, member=people[0], organization=tree.city_cell_2
    )
    transfers.move_member(
        acting_user=None,
        member=people[1],
        to=tree.district_cell,
        effective_on=today,
        reason="Chuyển nơi cư trú",
    )
    services.update_member(
        acting_user=None,
        member=people[2],
        status=MemberStatus.DECEASED,
        status_changed_on=today,
    )
    assert valid_days() == sorted(anchors)
    assert dated_tallies.stale() == {}


def test_the_refresh_keeps_the_last_months_and_counts_only_what_is_stale(tree, people):
    today = date(2026, 11, 28)
    first = dated_tallies.refresh(today)
    assert first == dated_tallies.anchor_days(today)
    assert len(first) == dated_tallies.ANCHOR_MONTHS
    assert (first[0], first[-1]) == (date(2023, 12, 1), date(2026, 11, 1))
    assert dated_tallies.refresh(today) == []  # nothing reached them
    _death_recorded_late(tree, people)
    assert dated_tallies.refresh(today) == [d for d in first if d >= date(2025, 8, 3)]
    # A month later the oldest anchor goes, the new month's first day comes.
    later = dated_tallies.refresh(date(2026, 12, 2))
    assert later == [date(2026, 12, 1)]
    assert valid_days() == dated_tallies.anchor_days(date(2026, 12, 2))
    assert not DatedTally.objects.filter(day=date(2023, 12, 1)).exists()
    assert dated_tallies.stale() == {}


def test_the_command_counts_what_a_repair_around_the_triggers_needs(tree, people):
    """Data repaired with the triggers off (as a bulk load does) leave the
    anchors wrong but valid: ``stale`` finds them, ``--all`` mends them."""
    today = timezone.localdate()
    out = StringIO()
    call_command("refresh_dated_tallies", stdout=out)
    assert out.getvalue().startswith(f"{dated_tallies.ANCHOR_MONTHS} days counted")
    DatedTally.objects.filter(day=today.replace(day=1)).update(active=F("active") + 1)
    assert today.replace(day=1) in dated_tallies.stale()
    call_command("refresh_dated_tallies", stdout=out)  # valid: left alone
    assert today.replace(day=1) in dated_tallies.stale()
    call_command("refresh_dated_tallies", "--all", stdout=out)
    assert dated_tallies.stale() == {}


def test_organizations_moved_dated_back_leave_the_anchors_valid(
    tree, people, admin_user
):
    """A merger of grassroots organizations moves their cells, not their
    members: each organization's count of a day stays what it was; only
    the shape of the tree changes (read from the versions)."""
    dated_tallies.refresh(days=ANCHORS)
    restructuring.merge_organizations(
        acting_user=None,
        sources=[tree.district_grassroots],
        target=tree.city_grassroots,
        **record(effective_on=date(2025, 10, 1)),
    )
    assert valid_days() == ANCHORS
    assert dated_tallies.stale() == {}
    for day in [date(2025, 9, 20), date(2025, 10, 12)]:
        top, whole = dated_top(admin_user, day), tree_on(admin_user, day)
        assert [seen(c) for r in top.roots for c in r.children] == [
            seen(c) for r in whole.roots for c in r.children
        ]
