"""Helpers shared by the tests of the committees staff pages (test_views_*)."""

from __future__ import annotations

import itertools
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committees.models import Gender, Member, MemberStatus, Organization
from committees.text import fold

_cards = itertools.count(50_000_000)


def url(name: str, *args) -> str:
    return reverse(f"committees:{name}", args=args)


def bulk_members(cells: list[Organization], count: int, **fields) -> list[Member]:
    """``count`` official members spread over ``cells``, without the services
    (bulk_create skips ``save``: the search key is filled here)."""
    members = []
    for i in range(count):
        number = next(_cards)
        name = fields.get("full_name", f"Lê Văn Thử {number}")
        members.append(
            Member(
                full_name=name,
                search_key=fold(name),
                birth_date=date(1970 + i % 30, 1 + i % 12, 1 + i % 28),
                gender=Gender.MALE if i % 2 else Gender.FEMALE,
                card_number=str(number),
                admitted_on=fields.get("admitted_on", date(2000 + i % 20, 3, 1)),
                official_on=fields.get("official_on", date(2001 + i % 20, 3, 2)),
                status=fields.get("status", MemberStatus.OFFICIAL),
                organization=cells[i % len(cells)],
            )
        )
    return Member.objects.bulk_create(members)


def count_queries(client, path: str) -> tuple[int, list[str]]:
    """Queries made by one GET (which must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured), [q["sql"] for q in captured.captured_queries]
