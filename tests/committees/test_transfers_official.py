"""Official and temporary transfers across scopes (``committees.transfers``):
issue, accept, return, cancel."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from committees import services, transfers
from committees.models import (
    InterruptionReason,
    Member,
    Rating,
    Transfer,
    TransferKind,
    TransferStatus,
)
from tests.committees.restructure import placements, reasons, seat, snapshot
from tests.committees.transfer_support import (
    active_in,
    days_ago,
    issue,
    placed_member,
    tallies_agree,
    today,
)
from tests.factories import K, org


@pytest.fixture
def member(tree):
    return placed_member(tree.city_cell, full_name="Nguyễn Văn Chuyển")


# ---------------------------------------------------------------- issue


def test_issuing_records_the_letter_and_leaves_the_member_on_the_roll(
    tree, city_staff, member
):
    letter_date = days_ago(2)
    transfer = issue(
        member,
        tree.district_cell,
        acting_user=city_staff,
        number=" 25 - ggt / đu ",
        letter_date=letter_date,
        reason="Chuyển công tác",
    )
    assert transfer.status == TransferStatus.ISSUED
    assert transfer.letter_number == "25-GGT/ĐU"
    assert transfer.issuer == tree.city_grassroots  # the grassroots organization
    assert transfer.from_organization == tree.city_cell
    assert transfer.due_on == letter_date + timedelta(days=30)
    assert transfer.effective_on is None
    assert transfer.issued_by == city_staff
    assert transfer.history.first().history_user == city_staff
    member.refresh_from_db()
    assert member.organization == tree.city_cell  # still on the sender's roll


@pytest.mark.parametrize("number", ["", "GGT-25", "25-", "0", "25-GGT/ĐU/!", "1234567"])
def test_it_refuses_a_letter_number_that_is_not_one(tree, city_staff, member, number):
    with pytest.raises(ValidationError) as caught:
        issue(member, tree.district_cell, acting_user=city_staff, number=number)
    assert "letter_number" in caught.value.message_dict


@pytest.mark.parametrize("number", ["25", "25/GGT", "25-GGT/ĐU", "25-GT/HU.HH"])
def test_it_takes_the_usual_letter_numbers(tree, city_staff, member, number):
    assert issue(member, tree.district_cell, acting_user=city_staff, number=number)


def test_a_letter_number_is_unique_per_issuer_and_year(tree, city_staff, member):
    issue(member, tree.district_cell, acting_user=city_staff, number="25-GGT/ĐU")
    other = placed_member(tree.city_cell_2)  # same grassroots organization
    with pytest.raises(ValidationError) as caught:
        issue(other, tree.district_cell, acting_user=city_staff, number="25")
    assert "the next free one is 26" in caught.value.message_dict["letter_number"][0]
    # another year, or another issuer, may use it
    last_year = date(today().year - 1, 12, 1)
    assert issue(other, tree.district_cell, number="25", letter_date=last_year)
    district_member = placed_member(tree.district_cell)
    assert issue(district_member, tree.city_cell, number="25")
    assert transfers.next_letter_serial(tree.city_grassroots, today().year) == 26


def test_the_destination_may_be_any_active_cell_but_not_a_committee(
    tree, city_staff, member
):
    for to in (tree.district_grassroots, tree.city_cell):
        with pytest.raises(ValidationError) as caught:
            issue(member, to, acting_user=city_staff)
        assert "to" in caught.value.message_dict


def test_only_the_sending_side_issues(tree, outsider, member):
    with pytest.raises(PermissionDenied):
        issue(member, tree.district_cell, acting_user=outsider)


def test_one_pending_transfer_at_a_time(tree, city_staff, member):
    issue(member, tree.district_cell, acting_user=city_staff, number="1")
    with pytest.raises(ValidationError, match="in transfer"):
        issue(member, tree.city_cell_2, acting_user=city_staff, number="2")


def test_a_future_letter_is_refused(tree, city_staff, member):
    with pytest.raises(ValidationError) as caught:
        issue(
            member,
            tree.district_cell,
            acting_user=city_staff,
            letter_date=today() + timedelta(days=1),
        )
    assert "letter_date" in caught.value.message_dict


# ---------------------------------------------------------------- accept


def test_accepting_moves_the_member_and_keeps_every_record(
    tree, city_staff, outsider, member
):
    position = seat(member, tree.city_grassroots)
    rating = services.rate(acting_user=None, member=member, year=2023, grade="good")
    interruption = services.add_interruption(
        acting_user=None,
        member=member,
        started_on=date(2015, 1, 1),
        ended_on=date(2015, 6, 1),
        reason=InterruptionReason.LOST_CONTACT,
    )
    before = {
        "city": active_in(tree.city),
        "district": active_in(tree.district),
    }
    transfer = issue(
        member, tree.district_cell, acting_user=city_staff, letter_date=days_ago(5)
    )
    on = days_ago(1)
    accepted = transfers.accept_transfer(
        acting_user=outsider, transfer=transfer, effective_on=on
    )
    assert accepted.status == TransferStatus.ACCEPTED
    assert accepted.decided_by == outsider
    assert accepted.effective_on == on
    member.refresh_from_db()
    assert member.organization == tree.district_cell
    assert member.history.first().history_user == outsider
    assert reasons(member)[0] == "Official transfer 25-GGT/ĐU: accepted"
    assert placements(member) == [
        (tree.city_cell.pk, member.admitted_on, on),
        (tree.district_cell.pk, on, None),
    ]
    # the history stays the member's: ratings, interruptions, the ended seat
    assert Rating.objects.get(pk=rating.pk).member_id == member.pk
    assert member.interruptions.get() == interruption
    position.refresh_from_db()
    assert position.ended_on == on
    assert position.history.first().history_user == outsider
    # and the receiver sees all of it now
    assert Member.objects.visible_to(outsider).filter(pk=member.pk).exists()
    assert Rating.objects.visible_to(outsider).filter(pk=rating.pk).exists()
    # counts: one fewer in the city, one more in the district
    assert active_in(tree.city) == before["city"] - 1
    assert active_in(tree.district) == before["district"] + 1
    assert tallies_agree()


def test_accepting_defaults_to_today(tree, city_staff, outsider, member):
    transfer = issue(member, tree.district_cell, acting_user=city_staff)
    assert transfers.accept_transfer(acting_user=outsider, transfer=transfer)
    assert placements(member)[-1] == (tree.district_cell.pk, today(), None)


def test_the_preview_lists_the_positions_and_writes_nothing(
    tree, city_staff, outsider, member
):
    position = seat(member, tree.city)
    transfer = issue(member, tree.district_cell, acting_user=city_staff)
    before = snapshot()
    plan = transfers.preview_accept_transfer(acting_user=outsider, transfer=transfer)
    assert [p.pk for p in plan.positions] == [position.pk]
    assert snapshot() == before


def test_the_sending_side_cannot_accept(tree, city_staff, member):
    transfer = issue(member, tree.district_cell, acting_user=city_staff)
    with pytest.raises(PermissionDenied):
        transfers.accept_transfer(acting_user=city_staff, transfer=transfer)


def test_a_transfer_is_accepted_once(tree, city_staff, outsider, member):
    transfer = issue(member, tree.district_cell, acting_user=city_staff)
    transfers.accept_transfer(acting_user=outsider, transfer=transfer)
    with pytest.raises(ValidationError, match="no longer awaiting"):
        transfers.accept_transfer(acting_user=outsider, transfer=transfer)
    with pytest.raises(ValidationError, match="no longer awaiting"):
        transfers.return_transfer(acting_user=outsider, transfer=transfer, reason="x")
    assert len(placements(member)) == 2


def test_it_refuses_a_join_date_before_the_letter(tree, city_staff, outsider, member):
    transfer = issue(
        member, tree.district_cell, acting_user=city_staff, letter_date=days_ago(3)
    )
    with pytest.raises(ValidationError) as caught:
        transfers.accept_transfer(
            acting_user=outsider, transfer=transfer, effective_on=days_ago(4)
        )
    assert "effective_on" in caught.value.message_dict
    member.refresh_from_db()
    assert member.organization == tree.city_cell


def test_a_destination_that_ended_meanwhile_is_refused(
    tree, city_staff, outsider, member
):
    transfer = issue(member, tree.district_cell, acting_user=city_staff)
    tree.district_cell.status = "dissolved"
    tree.district_cell.ended_on = today()
    tree.district_cell.save()
    with pytest.raises(ValidationError, match="return the transfer"):
        transfers.accept_transfer(acting_user=outsider, transfer=transfer)


def test_a_failure_half_way_changes_nothing(
    tree, city_staff, outsider, member, monkeypatch
):
    seat(member, tree.city_grassroots)
    transfer = issue(member, tree.district_cell, acting_user=city_staff)
    before = snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(transfers.timeline, "move_members", broken)
    with pytest.raises(RuntimeError):
        transfers.accept_transfer(acting_user=outsider, transfer=transfer)
    assert snapshot() == before
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ISSUED


# ---------------------------------------------------------------- return, cancel


def test_returning_needs_a_reason_and_moves_nothing(tree, city_staff, outsider, member):
    position = seat(member, tree.city_grassroots)
    transfer = issue(member, tree.district_cell, acting_user=city_staff)
    with pytest.raises(ValidationError) as caught:
        transfers.return_transfer(acting_user=outsider, transfer=transfer, reason=" ")
    assert "reason" in caught.value.message_dict
    before = snapshot()
    returned = transfers.return_transfer(
        acting_user=outsider, transfer=transfer, reason="Sai thông tin nơi cư trú"
    )
    assert returned.status == TransferStatus.RETURNED
    assert returned.decision_reason == "Sai thông tin nơi cư trú"
    assert returned.decided_by == outsider
    after = snapshot()
    assert after["members"] == before["members"]
    assert after["placements"] == before["placements"]
    assert after["positions"] == before["positions"]
    position.refresh_from_db()
    assert position.ended_on is None
    with pytest.raises(ValidationError, match="no longer awaiting"):
        transfers.accept_transfer(acting_user=outsider, transfer=transfer)
    # the member may be sent again
    assert issue(member, tree.city_cell_2, acting_user=city_staff, number="26")


def test_only_the_receiving_side_returns(tree, city_staff, member):
    transfer = issue(member, tree.district_cell, acting_user=city_staff)
    with pytest.raises(PermissionDenied):
        transfers.return_transfer(acting_user=city_staff, transfer=transfer, reason="x")


def test_the_sender_cancels_a_pending_letter_whose_number_stays_taken(
    tree, city_staff, outsider, member
):
    transfer = issue(member, tree.district_cell, acting_user=city_staff)
    with pytest.raises(PermissionDenied):
        transfers.cancel_transfer(acting_user=outsider, transfer=transfer, reason="x")
    cancelled = transfers.cancel_transfer(
        acting_user=city_staff, transfer=transfer, reason="Đảng viên ở lại"
    )
    assert cancelled.status == TransferStatus.CANCELLED
    with pytest.raises(ValidationError) as caught:
        issue(member, tree.district_cell, acting_user=city_staff)
    assert "letter_number" in caught.value.message_dict


# ---------------------------------------------------------------- temporary


def test_a_temporary_transfer_keeps_the_member_on_the_sending_roll(
    tree, city_staff, outsider, member
):
    position = seat(member, tree.city_grassroots)
    start, end = days_ago(2), today() + timedelta(days=180)
    transfer = issue(
        member,
        tree.district_cell,
        acting_user=city_staff,
        kind=TransferKind.TEMPORARY,
        letter_date=days_ago(3),
        effective_on=start,
        ends_on=end,
    )
    before = snapshot()
    accepted = transfers.accept_transfer(acting_user=outsider, transfer=transfer)
    assert accepted.status == TransferStatus.ACCEPTED
    assert (accepted.effective_on, accepted.ends_on) == (start, end)
    after = snapshot()
    assert after["members"] == before["members"]
    assert after["placements"] == before["placements"]
    position.refresh_from_db()
    assert position.ended_on is None
    assert not Member.objects.visible_to(outsider).filter(pk=member.pk).exists()


@pytest.mark.parametrize(
    "period, field",
    [
        ({"ends_on": date(2099, 1, 1)}, "effective_on"),
        ({"effective_on": "today"}, "ends_on"),
        ({"effective_on": "today", "ends_on": "yesterday"}, "ends_on"),
    ],
)
def test_a_temporary_transfer_needs_its_period(tree, city_staff, member, period, field):
    days = {"today": today(), "yesterday": days_ago(1)}
    period = {k: days.get(v, v) for k, v in period.items()}
    with pytest.raises(ValidationError) as caught:
        issue(
            member,
            tree.district_cell,
            acting_user=city_staff,
            kind=TransferKind.TEMPORARY,
            **period,
        )
    assert field in caught.value.message_dict
    assert not Transfer.objects.exists()


def test_a_province_user_sees_both_sides_and_may_accept_inside(
    tree, province_staff, member
):
    other_cell = org(tree.district_grassroots, K.CELL, "Chi bộ thôn Mới")
    transfer = issue(member, other_cell, acting_user=province_staff)
    transfers.accept_transfer(acting_user=province_staff, transfer=transfer)
    member.refresh_from_db()
    assert member.organization == other_cell
