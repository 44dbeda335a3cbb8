"""The schedule, timeline and congress pages make as many queries on a
large scope as on a small one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from congresses import services
from tests.congresses.conftest import schedule
from tests.factories import K, org

pytestmark = pytest.mark.usefixtures("plan")


def add_cells(parent, n: int, start: date) -> None:
    """n more cells under ``parent``, each with a congress and a done item."""
    for i in range(n):
        cell = org(parent, K.CELL, f"Chi bộ {start:%m}-{i}")
        congress = schedule(cell, start + timedelta(days=i % 20), is_model=(i == 0))
        services.mark_milestone_done(
            acting_user=None, milestone=congress.milestones.first()
        )


def count(client, address) -> int:
    client.get(address)  # warm the per-process caches (content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["schedule", "timeline", "rules_report"])
def test_list_pages_make_a_constant_number_of_queries(client, tree, city_staff, name):
    client.force_login(city_staff)
    address = reverse(f"congresses:{name}")
    add_cells(tree.city_grassroots, 2, date(2025, 4, 1))
    small = count(client, address)
    add_cells(tree.city_grassroots, 12, date(2025, 5, 1))
    schedule(tree.city_grassroots, date(2025, 6, 20))
    large = count(client, address)
    assert large == small


def test_the_congress_page_makes_a_constant_number_of_queries(client, tree, city_staff):
    client.force_login(city_staff)
    congress = schedule(tree.city_grassroots, date(2025, 6, 20), date(2025, 6, 21))
    address = reverse("congresses:congress_detail", args=[congress.pk])
    first, *others = congress.milestones.all()
    services.mark_milestone_done(acting_user=city_staff, milestone=first)
    small = count(client, address)
    for m in others:
        services.mark_milestone_done(acting_user=city_staff, milestone=m)
    services.reschedule_congress(
        acting_user=city_staff,
        congress=congress,
        starts_on=date(2025, 6, 22),
        ends_on=date(2025, 6, 22),
    )
    for i in range(3):
        services.add_milestone(
            acting_user=city_staff,
            congress=congress,
            kind="drafts_sent",
            title=f"extra {i}",
            owner=tree.city_grassroots,
            due_on=date(2025, 6, 1),
        )
    add_cells(tree.city_grassroots, 3, date(2025, 5, 1))
    large = count(client, address)
    assert large == small


def test_the_feed_makes_a_constant_number_of_queries(client, tree, city_staff):
    token = services.calendar_feed_for(user=city_staff).token
    address = reverse("congresses:calendar_feed_public") + f"?token={token}"
    add_cells(tree.city_grassroots, 1, date(2025, 4, 1))
    small = count(client, address)
    add_cells(tree.city_grassroots, 6, date(2025, 5, 1))
    assert count(client, address) == small
