"""Scheduling, moving, cancelling congresses and keeping their milestones."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from committees.models import Body, Position, Role
from committees.services import appoint_position
from congresses import services
from congresses.models import CongressStatus, MilestoneKind, MilestoneTemplate
from tests.congresses.conftest import schedule, term_2025
from tests.factories import MemberFactory, term_2020

pytestmark = pytest.mark.usefixtures("plan")


@pytest.fixture(autouse=True)
def english():
    """The messages these tests read, in English (Vietnamese is the default)."""
    with translation.override("en"):
        yield


# ---------------------------------------------------------------- plan


def test_a_new_plan_has_the_directive_45_defaults(plan):
    windows = {w.level: (w.deadline, w.max_days) for w in plan.windows.all()}
    assert windows == {
        "grassroots": (date(2025, 6, 30), 2),
        "district": (date(2025, 8, 31), 2),
        "province": (date(2025, 10, 31), 4),
    }
    offsets = list(plan.templates.values_list("kind", "offset_days"))
    assert offsets == [
        ("drafts_sent", -30),
        ("personnel_plan_approved", -20),
        ("congress_held", 0),
        ("results_report_sent", 15),
    ]
    policy = plan.reminder_policy
    assert (policy.days_before_list, policy.on_due_date, policy.overdue_every_days) == (
        [14, 7, 1],
        True,
        7,
    )


def test_only_an_administrator_creates_a_plan(city_staff):
    from committees.models import Term

    term = Term.objects.create(
        name="2030–2035", starts_on=date(2030, 1, 1), ends_on=date(2035, 1, 1)
    )
    with pytest.raises(PermissionDenied):
        services.create_term_plan(acting_user=city_staff, term=term)


# ---------------------------------------------------------------- scheduling


def test_scheduling_creates_the_milestones_of_the_templates(tree, city_staff):
    congress = schedule(
        tree.city_grassroots,
        date(2025, 5, 20),
        date(2025, 5, 21),
        acting_user=city_staff,
    )
    rows = list(
        congress.milestones.order_by("due_on").values_list("kind", "due_on", "owner")
    )
    assert rows == [
        ("drafts_sent", date(2025, 4, 20), tree.city_grassroots.pk),
        # The superior approves the personnel plan: the city owns that item.
        ("personnel_plan_approved", date(2025, 4, 30), tree.city.pk),
        ("congress_held", date(2025, 5, 20), tree.city_grassroots.pk),
        ("results_report_sent", date(2025, 6, 4), tree.city_grassroots.pk),
    ]
    assert congress.history.first().history_user == city_staff


def test_an_appointed_committee_gets_no_election_items(tree):
    congress = schedule(
        tree.city_grassroots, date(2025, 5, 20), committee_appointed=True
    )
    kinds = set(congress.milestones.values_list("kind", flat=True))
    assert MilestoneKind.PERSONNEL_PLAN_APPROVED not in kinds
    assert kinds == {"drafts_sent", "congress_held", "results_report_sent"}


def test_a_template_for_other_levels_is_left_out(tree, plan):
    MilestoneTemplate.objects.create(
        plan=plan,
        kind="drafts_sent",
        title="Province only",
        offset_days=-60,
        levels="province",
    )
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    assert not congress.milestones.filter(title="Province only").exists()
    province = schedule(tree.province, date(2025, 10, 20))
    assert province.milestones.filter(title="Province only").exists()


def test_turning_a_congress_to_appointed_removes_open_election_items(tree):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    services.update_congress(
        acting_user=None, congress=congress, committee_appointed=True
    )
    assert not congress.milestones.filter(kind="personnel_plan_approved").exists()
    services.update_congress(
        acting_user=None, congress=congress, committee_appointed=False
    )
    assert congress.milestones.filter(kind="personnel_plan_approved").count() == 1


def test_scheduling_refuses_a_rule_breach_naming_the_conflicting_congress(tree):
    schedule(tree.city_cell, date(2025, 6, 12))
    with pytest.raises(ValidationError) as refused:
        schedule(tree.city_grassroots, date(2025, 6, 10))
    message = " ".join(refused.value.messages)
    assert "Chi bộ tổ dân phố số 1" in message
    assert "12/06/2025" in message
    assert tree.city_grassroots.congresses.count() == 0


def test_scheduling_refuses_a_congress_after_the_deadline(tree):
    with pytest.raises(ValidationError, match="30/06/2025"):
        schedule(tree.city_grassroots, date(2025, 7, 1))


def test_only_an_administrator_may_override_with_a_reason(tree, city_staff, admin_user):
    with pytest.raises(ValidationError):
        schedule(
            tree.city_grassroots,
            date(2025, 7, 1),
            acting_user=city_staff,
            override_reason="New ward",
        )
    with pytest.raises(ValidationError):
        schedule(tree.city_grassroots, date(2025, 7, 1), acting_user=admin_user)
    congress = schedule(
        tree.city_grassroots,
        date(2025, 7, 1),
        acting_user=admin_user,
        override_reason="New ward, merged in June",
    )
    assert congress.override_reason == "New ward, merged in June"
    assert congress.override_by == admin_user


def test_an_override_does_not_excuse_a_breach_of_the_congress_above(tree, admin_user):
    schedule(tree.city_grassroots, date(2025, 6, 10))
    with pytest.raises(ValidationError, match="Đảng bộ phường Trần Phú"):
        schedule(
            tree.city_cell,
            date(2025, 6, 11),
            acting_user=admin_user,
            override_reason="late cell",
        )


def test_scheduling_outside_the_scope_is_refused(tree, outsider):
    with pytest.raises(PermissionDenied):
        schedule(tree.city_grassroots, date(2025, 5, 20), acting_user=outsider)


def test_a_party_group_holds_no_congress(tree):
    from tests.factories import K, org

    group = org(tree.city_cell, K.PARTY_GROUP, "Tổ đảng")
    with pytest.raises(ValidationError, match="party group"):
        schedule(group, date(2025, 5, 20))


def test_a_congress_must_end_on_or_after_its_start(tree):
    with pytest.raises(ValidationError):
        schedule(tree.city_grassroots, date(2025, 5, 20), date(2025, 5, 19))


def test_one_live_congress_per_organization_and_term(tree):
    first = schedule(tree.city_grassroots, date(2025, 5, 20))
    with pytest.raises(ValidationError):
        schedule(tree.city_grassroots, date(2025, 5, 25))
    services.cancel_congress(acting_user=None, congress=first, reason="moved")
    assert schedule(tree.city_grassroots, date(2025, 5, 25)).pk != first.pk


def test_a_term_without_plan_is_refused(tree):
    with pytest.raises(ValidationError, match="no congress plan"):
        services.schedule_congress(
            acting_user=None,
            organization=tree.city_grassroots,
            term=term_2020(),
            ordinal=19,
            starts_on=date(2020, 5, 1),
            ends_on=date(2020, 5, 1),
        )


# ---------------------------------------------------------------- moving


def test_moving_a_congress_moves_its_open_milestones_only(tree, city_staff):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    drafts = congress.milestones.get(kind="drafts_sent")
    services.mark_milestone_done(acting_user=city_staff, milestone=drafts)
    services.reschedule_congress(
        acting_user=city_staff,
        congress=congress,
        starts_on=date(2025, 5, 27),
        ends_on=date(2025, 5, 28),
    )
    due = dict(congress.milestones.values_list("kind", "due_on"))
    assert due == {
        "drafts_sent": date(2025, 4, 20),  # done: stays
        "personnel_plan_approved": date(2025, 5, 7),
        "congress_held": date(2025, 5, 27),
        "results_report_sent": date(2025, 6, 11),
    }
    congress.refresh_from_db()
    assert (congress.starts_on, congress.ends_on) == (
        date(2025, 5, 27),
        date(2025, 5, 28),
    )


def test_moving_into_a_breach_is_refused_and_changes_nothing(tree, city_staff):
    schedule(tree.city_cell, date(2025, 6, 1))
    congress = schedule(tree.city_grassroots, date(2025, 6, 10))
    with pytest.raises(ValidationError, match="Chi bộ tổ dân phố số 1"):
        services.reschedule_congress(
            acting_user=city_staff,
            congress=congress,
            starts_on=date(2025, 5, 30),
            ends_on=date(2025, 5, 30),
        )
    congress.refresh_from_db()
    assert congress.starts_on == date(2025, 6, 10)
    assert congress.milestones.get(kind="congress_held").due_on == date(2025, 6, 10)


def test_moving_a_cell_after_its_grassroots_congress_is_refused(tree, city_staff):
    cell = schedule(tree.city_cell, date(2025, 6, 1))
    schedule(tree.city_grassroots, date(2025, 6, 10))
    with pytest.raises(ValidationError, match="Đảng bộ phường Trần Phú"):
        services.reschedule_congress(
            acting_user=city_staff,
            congress=cell,
            starts_on=date(2025, 6, 15),
            ends_on=date(2025, 6, 15),
        )


def test_a_held_congress_cannot_be_moved(tree):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    services.set_congress_status(
        acting_user=None, congress=congress, status="held", today=date(2025, 5, 21)
    )
    with pytest.raises(ValidationError):
        services.reschedule_congress(
            acting_user=None,
            congress=congress,
            starts_on=date(2025, 5, 22),
            ends_on=date(2025, 5, 22),
        )


# ---------------------------------------------------------------- milestones


def test_marking_done_records_who_and_when(tree, city_staff):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    milestone = congress.milestones.get(kind="drafts_sent")
    before = timezone.now()
    services.mark_milestone_done(acting_user=city_staff, milestone=milestone, note="OK")
    milestone.refresh_from_db()
    assert milestone.done_by == city_staff
    assert before <= milestone.done_at <= timezone.now()
    assert milestone.note == "OK"
    assert milestone.history.first().history_user == city_staff


def test_marking_done_twice_is_refused(tree):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    milestone = congress.milestones.first()
    services.mark_milestone_done(acting_user=None, milestone=milestone)
    with pytest.raises(ValidationError, match="already"):
        services.mark_milestone_done(acting_user=None, milestone=milestone)


def test_marking_done_enqueues_nothing(
    tree, monkeypatch, django_capture_on_commit_callbacks
):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    with django_capture_on_commit_callbacks() as callbacks:
        services.mark_milestone_done(
            acting_user=None, milestone=congress.milestones.first()
        )
    assert callbacks == []


def test_the_superior_may_mark_its_own_item_of_a_lower_congress(tree, city_staff):
    congress = schedule(tree.city_cell, date(2025, 5, 20))
    # The grassroots committee owns the cell's personnel plan item.
    item = congress.milestones.get(kind="personnel_plan_approved")
    assert item.owner == tree.city_grassroots
    services.mark_milestone_done(acting_user=city_staff, milestone=item)


def test_marking_a_milestone_outside_the_scope_is_refused(tree, outsider):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    with pytest.raises(PermissionDenied):
        services.mark_milestone_done(
            acting_user=outsider, milestone=congress.milestones.first()
        )


def test_reopening_clears_who_and_when(tree, city_staff):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    milestone = services.mark_milestone_done(
        acting_user=city_staff, milestone=congress.milestones.first()
    )
    services.reopen_milestone(acting_user=city_staff, milestone=milestone)
    milestone.refresh_from_db()
    assert (milestone.done_at, milestone.done_by) == (None, None)


def test_an_item_is_owned_by_the_organization_its_superior_or_below(tree):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    with pytest.raises(ValidationError):
        services.add_milestone(
            acting_user=None,
            congress=congress,
            kind="drafts_sent",
            title="x",
            owner=tree.district,
            due_on=date(2025, 5, 1),
        )
    item = services.add_milestone(
        acting_user=None,
        congress=congress,
        kind="drafts_sent",
        title="Summary of opinions",
        owner=tree.city,
        due_on=date(2025, 5, 1),
    )
    assert item.owner == tree.city


# ---------------------------------------------------------------- status, cancel


def test_marking_held_marks_the_congress_held_item_done(tree, city_staff):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    services.set_congress_status(
        acting_user=city_staff,
        congress=congress,
        status="held",
        today=date(2025, 5, 20),
    )
    item = congress.milestones.get(kind="congress_held")
    assert item.done_by == city_staff


def test_a_congress_is_not_held_before_it_starts(tree):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    with pytest.raises(ValidationError):
        services.set_congress_status(
            acting_user=None, congress=congress, status="held", today=date(2025, 5, 19)
        )


def test_statuses_only_move_forward(tree):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    with pytest.raises(ValidationError):
        services.set_congress_status(
            acting_user=None, congress=congress, status="results_approved"
        )


def test_cancelling_needs_a_reason_and_keeps_the_record(tree, city_staff):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    with pytest.raises(ValidationError):
        services.cancel_congress(acting_user=city_staff, congress=congress, reason=" ")
    services.cancel_congress(acting_user=city_staff, congress=congress, reason="merger")
    congress.refresh_from_db()
    assert congress.status == CongressStatus.CANCELLED
    assert congress.milestones.count() == 4
    assert congress.history.first().history_change_reason == "cancelled: merger"


def test_a_cancelled_congress_is_not_moved_or_marked(tree):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    services.cancel_congress(acting_user=None, congress=congress, reason="merger")
    with pytest.raises(ValidationError):
        services.reschedule_congress(
            acting_user=None,
            congress=congress,
            starts_on=date(2025, 5, 21),
            ends_on=date(2025, 5, 21),
        )
    with pytest.raises(ValidationError):
        services.mark_milestone_done(
            acting_user=None, milestone=congress.milestones.first()
        )


# ---------------------------------------------------------------- results


def test_results_record_the_new_committee_as_positions_of_the_term(tree, city_staff):
    secretary = MemberFactory(organization=tree.city_cell)
    deputy = MemberFactory(organization=tree.city_cell_2)
    member = MemberFactory(organization=tree.city_cell)
    old = appoint_position(
        acting_user=None,
        member=deputy,
        organization=tree.city_grassroots,
        body=Body.EXECUTIVE,
        role=Role.SECRETARY,
        term=term_2020(),
        started_on=date(2020, 11, 1),
    )
    congress = schedule(tree.city_grassroots, date(2025, 5, 20), date(2025, 5, 21))
    services.record_results(
        acting_user=city_staff,
        congress=congress,
        delegates_to_superior=12,
        secretary=secretary,
        standing=[deputy],
        executive=[member, secretary],
        today=date(2025, 5, 22),
    )
    congress.refresh_from_db()
    assert congress.delegates_to_superior == 12
    assert congress.status == CongressStatus.HELD
    seats = set(
        Position.objects.filter(term=term_2025()).values_list(
            "member", "body", "role", "started_on"
        )
    )
    # Elected on 21 May; the seats of the term start when it opens.
    day = date(2025, 10, 1)
    assert seats == {
        (secretary.pk, "executive", "secretary", day),
        (secretary.pk, "standing", "secretary", day),
        (deputy.pk, "standing", "standing_member", day),
        (deputy.pk, "executive", "member", day),
        (member.pk, "executive", "member", day),
    }
    old.refresh_from_db()
    assert old.ended_on == date(2025, 9, 30)


def test_results_are_refused_before_the_congress(tree):
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    with pytest.raises(ValidationError):
        services.record_results(
            acting_user=None,
            congress=congress,
            delegates_to_superior=3,
            today=date(2025, 5, 19),
        )


def test_the_committee_is_not_recorded_twice(tree):
    secretary = MemberFactory(organization=tree.city_cell)
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    services.record_results(
        acting_user=None,
        congress=congress,
        delegates_to_superior=3,
        secretary=secretary,
        today=date(2025, 6, 1),
    )
    with pytest.raises(ValidationError, match="already recorded"):
        services.record_results(
            acting_user=None,
            congress=congress,
            delegates_to_superior=3,
            secretary=secretary,
            today=date(2025, 6, 1),
        )


def test_a_member_from_outside_the_subtree_cannot_join_the_committee(tree):
    stranger = MemberFactory(organization=tree.district_cell)
    congress = schedule(tree.city_grassroots, date(2025, 5, 20))
    with pytest.raises(ValidationError):
        services.record_results(
            acting_user=None,
            congress=congress,
            delegates_to_superior=3,
            secretary=stranger,
            today=date(2025, 6, 1),
        )
    congress.refresh_from_db()
    assert congress.delegates_to_superior is None  # nothing half-saved


# ---------------------------------------------------------------- calendar


def test_renewing_the_feed_replaces_its_token(city_staff):
    feed = services.calendar_feed_for(user=city_staff)
    old = feed.token
    renewed = services.renew_calendar_feed(user=city_staff)
    assert renewed.pk == feed.pk
    assert renewed.token != old
    assert len(renewed.token) >= 30
