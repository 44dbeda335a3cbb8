"""Helpers shared by the transfer tests (tests/committees/test_transfers_*)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from committees import tallies, timeline, transfers
from committees.models import Member, Organization, Transfer, TransferKind
from tests.factories import MemberFactory


def today() -> date:
    return timezone.localdate()


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


def placed_member(organization: Organization, **fields: Any) -> Member:
    """A member created as the services create one (with a placement)."""
    member = MemberFactory(organization=organization, **fields)
    timeline.place_new_member(member)
    return member


def issue(
    member: Member,
    to: Organization,
    *,
    acting_user: Any = None,
    number: str = "25-GGT/ĐU",
    letter_date: date | None = None,
    kind: str = TransferKind.OFFICIAL,
    **extra: Any,
) -> Transfer:
    return transfers.issue_transfer(
        acting_user=acting_user,
        member=member,
        kind=kind,
        to=to,
        letter_number=number,
        letter_date=letter_date or today(),
        **extra,
    )


def active_in(organization: Organization) -> int:
    """Active members of a subtree, from the tallies (what the pages show)."""
    counts = tallies.members_by_status(organization.path)
    return counts["probationary"] + counts["official"]


def tallies_agree() -> bool:
    return tallies.differences() == []
