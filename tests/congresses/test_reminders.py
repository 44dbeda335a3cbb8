"""The reminder sweep: which milestone crossed which threshold, for whom.

The milestone under test is due on 10/04/2025 (thresholds: 27/03 for 14
days before, 03/04 for 7, 09/04 for 1, 10/04 the due date, 17/04 a week
overdue, …); its congress is on 25/06/2025, so the template milestones
(due from 26/05 on) cross nothing before 12/05.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from congresses import services
from congresses.models import Milestone, MilestoneKind
from congresses.reminders import (
    milestone_key,
    notices_for_congress,
    plan_milestone_reminders,
    sweep_milestone_reminders,
)
from portal.models import Notice, NoticeStatus
from portal.notices import digest_items
from portal.roles import Role
from tests.congresses.conftest import schedule
from tests.factories import user

DUE = date(2025, 4, 10)


@pytest.fixture
def congress(tree, plan):
    return schedule(tree.city_grassroots, date(2025, 6, 25))


@pytest.fixture
def milestone(congress, tree) -> Milestone:
    return services.add_milestone(
        acting_user=None,
        congress=congress,
        kind=MilestoneKind.DRAFTS_SENT,
        title="Gửi dự thảo văn kiện",
        owner=tree.city_grassroots,
        due_on=DUE,
    )


@pytest.fixture
def office(tree):
    """Office staff of the owner (the grassroots committee)."""
    return user("ward_office", tree.city_grassroots, Role.OFFICE)


@pytest.fixture
def parent_office(tree):
    """Office staff of the owner's parent (the city)."""
    return user("city_office", tree.city, Role.OFFICE)


def sweep(day: date):
    return sweep_milestone_reminders(today=day, enqueue=False)


def keys(recipient) -> list[str]:
    """The recipient's notice keys, oldest first."""
    return list(
        Notice.objects.filter(recipient=recipient)
        .order_by("pk")
        .values_list("dedupe_key", flat=True)
    )


def mark_all_sent():
    """What the sender does: the sweep rules only look at the outcome."""
    Notice.objects.filter(status=NoticeStatus.PENDING).update(
        status=NoticeStatus.SENT, sent_at=timezone.now()
    )


def test_nothing_before_the_first_threshold(milestone, office, parent_office):
    result = sweep(date(2025, 3, 26))
    assert result.written == 0
    assert not Notice.objects.exists()


def test_each_threshold_is_noticed_once(milestone, office):
    expected = []
    for day, threshold in [
        (date(2025, 3, 27), -14),
        (date(2025, 4, 3), -7),
        (date(2025, 4, 9), -1),
        (date(2025, 4, 10), 0),
        (date(2025, 4, 17), 7),
        (date(2025, 4, 24), 14),
    ]:
        assert sweep(day).written == 1, day
        assert sweep(day).written == 0, f"second sweep on {day}"
        expected.append(milestone_key(milestone.pk, threshold, DUE))
        assert keys(office) == expected
        mark_all_sent()


def test_days_between_thresholds_write_nothing(milestone, office):
    sweep(date(2025, 3, 27))
    for day in range(28, 32):
        assert sweep(date(2025, 3, day)).written == 0
    assert sweep(date(2025, 4, 2)).written == 0


def test_two_sweeps_the_same_day_write_nothing_new(milestone, office):
    first = sweep(date(2025, 4, 3))
    second = sweep(date(2025, 4, 3))
    assert first.written == 2  # -14 and -7: the first sweep ever catches up
    assert second.written == 0
    assert Notice.objects.count() == 2


def test_a_day_without_sweeps_is_caught_up_once(milestone, office):
    sweep(date(2025, 3, 27))
    # The beat stopped on 3 April; the sweep of 4 April catches up.
    assert sweep(date(2025, 4, 4)).written == 1
    assert keys(office)[-1] == milestone_key(milestone.pk, -7, DUE)
    assert sweep(date(2025, 4, 4)).written == 0
    assert sweep(date(2025, 4, 5)).written == 0


def test_thresholds_missed_together_make_one_digest_line(milestone, office):
    # No sweep ran for two weeks: three thresholds crossed meanwhile.
    assert sweep(date(2025, 4, 9)).written == 3
    items = digest_items(
        Notice.objects.filter(recipient=office), today=date(2025, 4, 9)
    )
    assert len(items) == 1
    assert items[0].due_on == DUE
    assert items[0].status == "1 day left"


def test_a_done_milestone_gets_no_more_reminders(milestone, office):
    sweep(date(2025, 3, 27))
    services.mark_milestone_done(acting_user=None, milestone=milestone)
    result = sweep(date(2025, 4, 3))
    assert result.written == 0
    # The notice of 27 March had not gone out yet: it is dropped.
    assert result.cancelled == 1
    assert set(Notice.objects.values_list("status", flat=True)) == {
        NoticeStatus.CANCELLED
    }


def test_a_cancelled_congress_gets_no_reminders(milestone, congress, office):
    services.cancel_congress(acting_user=None, congress=congress, reason="Merged")
    assert sweep(date(2025, 4, 17)).written == 0
    assert not Notice.objects.exists()


def test_overdue_milestones_escalate_to_the_parents_office(
    milestone, office, parent_office
):
    sweep(date(2025, 4, 10))
    assert keys(parent_office) == []  # due today is not overdue yet
    sweep(date(2025, 4, 17))
    assert keys(parent_office) == [milestone_key(milestone.pk, 7, DUE)]
    assert milestone_key(milestone.pk, 7, DUE) in keys(office)
    escalated = Notice.objects.get(recipient=parent_office)
    assert escalated.payload["escalated"] is True
    assert Notice.objects.filter(recipient=office).first().payload["escalated"] is False
    sweep(date(2025, 4, 24))
    assert len(keys(parent_office)) == 2


def test_who_turned_reminders_off_gets_none(milestone, office):
    office.reminders_enabled = False
    office.save()
    assert sweep(date(2025, 4, 17)).written == 0


def test_only_office_staff_of_the_owner_itself_are_reminded(milestone, tree, office):
    user("cell_office", tree.city_cell, Role.OFFICE)  # below the owner
    user("district_office", tree.district, Role.OFFICE)  # elsewhere
    user("ward_viewer", tree.city_grassroots, Role.VIEWER)  # not Office
    user("ward_gone", tree.city_grassroots, Role.OFFICE, is_active=False)
    no_mail = user("ward_nomail", tree.city_grassroots, Role.OFFICE)
    no_mail.email = ""
    no_mail.save()
    user("province_office", tree.province, Role.OFFICE)  # the grandparent
    sweep(date(2025, 4, 24))
    assert set(Notice.objects.values_list("recipient__username", flat=True)) == {
        "ward_office"
    }


def test_the_payload_carries_what_the_digest_line_shows(milestone, office):
    sweep(date(2025, 3, 27))
    payload = Notice.objects.get().payload
    assert payload["title"] == "Gửi dự thảo văn kiện"
    assert payload["organization"] == "Đảng bộ phường Trần Phú"
    assert payload["due_on"] == "2025-04-10"
    assert payload["threshold"] == -14
    assert payload["path"] == f"/congresses/{milestone.congress_id}/"


def _changed_on(milestone: Milestone, day: date) -> None:
    """Date the history row of the last change: the day the date moved."""
    when = timezone.make_aware(datetime.combine(day, time(9)))
    Milestone.history.filter(id=milestone.pk, due_on=milestone.due_on).update(
        history_date=when
    )


def _move(milestone: Milestone, due_on: date, on: date) -> Milestone:
    milestone = services.update_milestone(
        acting_user=None, milestone=milestone, due_on=due_on
    )
    _changed_on(milestone, on)
    return milestone


def test_a_date_moved_one_day_later_does_not_repeat_the_reminder(milestone, office):
    sweep(date(2025, 3, 27))
    sweep(date(2025, 4, 3))  # "7 days before" of 10 April
    mark_all_sent()
    moved = _move(milestone, date(2025, 4, 11), on=date(2025, 4, 4))
    assert sweep(date(2025, 4, 4)).written == 0
    assert sweep(date(2025, 4, 5)).written == 0
    # The next threshold is reminded against the new date, once.
    assert sweep(date(2025, 4, 10)).written == 1
    assert keys(office)[-1] == milestone_key(moved.pk, -1, date(2025, 4, 11))
    assert sweep(date(2025, 4, 10)).written == 0


def test_a_date_moved_earlier_never_repeats_a_threshold(milestone, office):
    sweep(date(2025, 3, 27))
    sweep(date(2025, 4, 3))
    mark_all_sent()
    moved = _move(milestone, date(2025, 4, 6), on=date(2025, 4, 4))
    assert sweep(date(2025, 4, 4)).written == 0
    assert sweep(date(2025, 4, 5)).written == 1  # "1 day before" the new date
    assert keys(office)[-1] == milestone_key(moved.pk, -1, date(2025, 4, 6))


def test_an_extended_deadline_is_reminded_against_its_new_date(milestone, office):
    for day in [date(2025, 3, 27), date(2025, 4, 3), date(2025, 4, 9)]:
        sweep(day)
    sweep(date(2025, 4, 10))
    mark_all_sent()
    new_due = date(2025, 5, 10)
    moved = _move(milestone, new_due, on=date(2025, 4, 11))
    assert sweep(date(2025, 4, 11)).written == 0
    assert sweep(date(2025, 4, 26)).written == 1
    assert sweep(date(2025, 5, 3)).written == 1
    assert keys(office)[-2:] == [
        milestone_key(moved.pk, -14, new_due),
        milestone_key(moved.pk, -7, new_due),
    ]
    # What went out for the old date stays as it was, sent once.
    old = Notice.objects.filter(dedupe_key__endswith=DUE.isoformat())
    assert old.count() == 4
    assert set(old.values_list("status", flat=True)) == {NoticeStatus.SENT}


def test_a_pending_notice_of_the_old_date_is_cancelled(milestone, office):
    sweep(date(2025, 4, 3))  # -14 and -7, not sent yet
    _move(milestone, date(2025, 5, 10), on=date(2025, 4, 4))
    result = sweep(date(2025, 4, 4))
    assert result.cancelled == 2
    assert not Notice.objects.filter(status=NoticeStatus.PENDING).exists()


def test_the_dry_run_plan_writes_nothing(milestone, office):
    planned = plan_milestone_reminders(today=date(2025, 4, 3))
    assert [n.recipient for n in planned] == [office, office]
    assert not Notice.objects.exists()


def test_notices_for_a_congress_lists_its_reminders(milestone, congress, office):
    sweep(date(2025, 3, 27))
    assert [n.recipient for n in notices_for_congress(congress)] == [office]


def test_the_sweep_reads_a_constant_number_of_queries(tree, plan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def build(n: int) -> None:
        congress = schedule(tree.city_grassroots, date(2025, 6, 25))
        user("office_q", tree.city_grassroots, Role.OFFICE)
        for i in range(n):
            services.add_milestone(
                acting_user=None,
                congress=congress,
                kind=MilestoneKind.DRAFTS_SENT,
                title=f"Việc {i}",
                owner=tree.city_grassroots,
                due_on=DUE,
            )

    def reads(context) -> int:
        return sum(
            1
            for query in context.captured_queries
            if query["sql"].startswith("SELECT")
            and "django_content_type" not in query["sql"]
        )

    build(2)
    with CaptureQueriesContext(connection) as small:
        sweep(date(2025, 4, 17))
    Notice.objects.all().delete()
    Milestone.objects.filter(done_at__isnull=True).update(due_on=date(2025, 4, 10))
    for i in range(20):
        services.add_milestone(
            acting_user=None,
            congress=Milestone.objects.first().congress,
            kind=MilestoneKind.DRAFTS_SENT,
            title=f"Thêm {i}",
            owner=tree.city_grassroots,
            due_on=DUE,
        )
    with CaptureQueriesContext(connection) as large:
        result = sweep(date(2025, 4, 17))
    owned = Milestone.objects.filter(owner=tree.city_grassroots).count()
    assert owned > 20
    assert result.written == owned * 5  # -14, -7, -1, 0 and +7 each
    # Reads are constant; the insert goes in batches of the rows written.
    assert reads(large) == reads(small)
