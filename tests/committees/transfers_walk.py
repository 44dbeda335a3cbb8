"""A transfer of a branch for the URL walks (tests/portal/test_url_walk.py
and tests/committees/test_views_access.py).

The transfer stays inside the branch (from its cell to another cell of the
same grassroots organization): a transfer from the district to the city
would be visible to the city's staff by design, and the walk checks that
the city's staff get 404 for every object of the district.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from committees import transfers
from committees.models import TransferKind
from tests.factories import K, MemberFactory, org


def transfer_kwargs(*, grassroots: Any, cell: Any, suffix: str) -> dict:
    other_cell = org(
        grassroots, K.CELL, f"Chi bộ nhận chuyển {suffix}", f"WALK-TR-{suffix.upper()}"
    )
    member = MemberFactory(full_name=f"Đảng viên chuyển {suffix}", organization=cell)
    transfer = transfers.issue_transfer(
        acting_user=None,
        member=member,
        kind=TransferKind.OFFICIAL,
        to=other_cell,
        letter_number="1-GGT/ĐU",
        letter_date=timezone.localdate(),
        reason="URL walk",
    )
    return {"transfer_id": transfer.pk}
