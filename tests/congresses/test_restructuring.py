"""Congresses through a restructuring (congresses/restructuring.py): what
ends has its congresses cancelled and its reminders stop; items pass to the
new superior; the preview and the lineage count them."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from committees import restructuring
from committees.signals import lineage_counts
from congresses import reminders, services
from congresses.models import CongressStatus, Milestone, MilestoneOwner
from tests.committees.restructure import DECISION, record
from tests.congresses.conftest import schedule


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def merge(tree, acting_user):
    return restructuring.merge_organizations(
        acting_user=acting_user,
        sources=[tree.city_grassroots],
        target=tree.district_grassroots,
        **record(),
    )


def test_a_merger_cancels_the_planned_congress_of_what_ends(tree, plan, province_staff):
    congress = schedule(tree.city_grassroots, date(2025, 5, 10))
    result = merge(tree, province_staff)
    congress.refresh_from_db()
    assert congress.status == CongressStatus.CANCELLED
    reason = congress.history.first().history_change_reason
    assert reason.startswith("cancelled: Merger 381-QĐ/TU")
    assert result.summary["congresses_cancelled"] == 1


def test_its_reminders_stop(tree, plan, province_staff):
    congress = schedule(tree.city_grassroots, date(2025, 5, 10))
    today = date(2025, 5, 20)  # every item within the reminder horizon
    before = set(reminders.candidate_milestones(today))
    assert set(congress.milestones.all()) <= before
    merge(tree, province_staff)
    after = set(reminders.candidate_milestones(today))
    assert not set(congress.milestones.all()) & after


def test_open_items_of_a_congress_already_held_are_closed(tree, plan, province_staff):
    congress = schedule(tree.city_grassroots, date(2025, 5, 10))
    services.set_congress_status(
        acting_user=None, congress=congress, status=CongressStatus.PREPARING
    )
    services.set_congress_status(
        acting_user=None, congress=congress, status=CongressStatus.HELD
    )
    assert congress.milestones.filter(done_at__isnull=True).exists()
    result = merge(tree, province_staff)
    congress.refresh_from_db()
    assert congress.status == CongressStatus.HELD  # history stays as it was
    open_items = congress.milestones.filter(done_at__isnull=True)
    assert not open_items.exists()
    note = congress.milestones.exclude(kind="congress_held").first().note
    assert note.startswith(f"Closed: Merger {DECISION}")
    assert result.summary["milestones_closed"] >= 1


def test_items_owned_by_what_ended_pass_to_the_new_superior(tree, plan, province_staff):
    cell_congress = schedule(tree.city_cell, date(2025, 4, 10))
    superior_item = cell_congress.milestones.get(
        template__owner=MilestoneOwner.SUPERIOR
    )
    assert superior_item.owner == tree.city_grassroots
    result = merge(tree, province_staff)
    superior_item.refresh_from_db()
    assert superior_item.owner == tree.district_grassroots
    assert superior_item.done_at is None
    cell_congress.refresh_from_db()
    assert cell_congress.status == CongressStatus.PLANNED
    assert result.summary["milestones_reassigned"] == 1


def test_a_move_passes_superior_items_to_the_new_parent(tree, plan, province_staff):
    congress = schedule(tree.city_cell, date(2025, 4, 10))
    item = congress.milestones.get(template__owner=MilestoneOwner.SUPERIOR)
    restructuring.merge_organizations(
        acting_user=province_staff,
        sources=[tree.city_cell_2],
        target=tree.city_cell,
        **record(),
    )
    restructuring.move_organization(
        acting_user=province_staff,
        organization=tree.city_cell,
        new_parent=tree.district_grassroots,
        **record(),
    )
    item.refresh_from_db()
    assert item.owner == tree.district_grassroots


def test_the_preview_counts_congresses_and_open_items(tree, plan, province_staff):
    schedule(tree.city_cell, date(2025, 4, 10))
    ward = schedule(tree.city_grassroots, date(2025, 5, 10))
    preview = restructuring.preview_merge(
        acting_user=province_staff,
        sources=[tree.city_grassroots],
        target=tree.district_grassroots,
        **record(),
    )
    lines = {line.key: line.count for line in preview.lines}
    assert lines["congresses"] == 1
    expected = (
        Milestone.objects.open().filter(congress=ward).count()
        + Milestone.objects.open()
        .filter(owner=tree.city_grassroots)
        .exclude(congress=ward)
        .count()
    )
    assert lines["milestones"] == expected == 5
    assert ward.milestones.filter(done_at__isnull=True).count() == 4


def test_the_lineage_counts_the_congresses_of_merged_organizations(
    tree, plan, province_staff
):
    schedule(tree.city_grassroots, date(2025, 5, 10))
    merge(tree, province_staff)
    counts = dict(lineage_counts([tree.city_grassroots.pk]))
    assert counts["Congresses"] == {tree.city_grassroots.pk: 1}
