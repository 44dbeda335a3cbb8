"""Objects of the congresses app for the URL walk (tests/portal/test_url_walk.py)."""

from __future__ import annotations

from datetime import date

from tests.congresses.conftest import plan_2025, schedule


def walk_kwargs(*, top, grassroots, cell, member) -> dict:
    plan_2025()
    congress = schedule(cell, date(2025, 4, 10))
    return {
        "congress_id": congress.pk,
        "milestone_id": congress.milestones.first().pk,
    }
