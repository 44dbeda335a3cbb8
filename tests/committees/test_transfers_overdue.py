"""Transfers not accepted within 30 days: the dashboards of both sides and
the reminder digest (``committees.transfer_reminders``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from committees import transfer_reminders, transfer_selectors, transfers
from committees.models import Transfer
from portal.models import Notice, NoticeStatus
from portal.roles import Role
from tests.committees.transfer_support import days_ago, issue, placed_member, today
from tests.factories import user


@pytest.fixture
def board(tree):
    """Organization board staff of each side's grassroots organization, and
    staff of the district and the province above them."""
    return {
        "sender": user("sender-board", tree.city_grassroots, Role.ORGANIZATION_BOARD),
        "receiver": user(
            "receiver-board", tree.district_grassroots, Role.ORGANIZATION_BOARD
        ),
        "district": user("district-board", tree.district, Role.ORGANIZATION_BOARD),
        "province": user("province-board", tree.province, Role.ORGANIZATION_BOARD),
        "emulation": user("emulation", tree.city_grassroots, Role.EMULATION),
    }


@pytest.fixture
def late(tree):
    """A letter dated 31 days ago: due yesterday, one day overdue."""
    member = placed_member(tree.city_cell, full_name="Đỗ Văn Chậm")
    return issue(member, tree.district_cell, letter_date=days_ago(31))


def notices_of(transfer: Transfer):
    return Notice.objects.filter(
        content_type=ContentType.objects.get_for_model(Transfer),
        object_id=transfer.pk,
    )


# ---------------------------------------------------------------- dashboard


def test_the_dashboard_selector_counts_overdue_transfers_of_both_sides(
    tree, city_staff, outsider, late
):
    on_time = issue(placed_member(tree.city_cell), tree.district_cell, number="26")
    for staff in (city_staff, outsider):
        panel = transfer_selectors.overdue_for_dashboard(staff)
        assert panel["count"] == 1
        assert [t.pk for t in panel["rows"]] == [late.pk]
        assert panel["rows"][0].days_overdue == 1
    # overdue from the day after its 30th day, not on it
    on_its_due_day = transfer_selectors.overdue_for_dashboard(
        city_staff, today=on_time.due_on
    )
    assert on_time not in on_its_due_day["rows"]
    day_after = transfer_selectors.overdue_for_dashboard(
        city_staff, today=on_time.due_on + timedelta(days=1)
    )
    assert on_time in day_after["rows"]


def test_a_decided_transfer_is_no_longer_overdue(tree, outsider, late):
    transfers.accept_transfer(acting_user=outsider, transfer=late)
    assert transfer_selectors.overdue_for_dashboard(outsider)["count"] == 0


def test_the_dashboard_page_shows_the_panel_on_both_sides(
    client, city_staff, outsider, late
):
    for staff in (city_staff, outsider):
        client.force_login(staff)
        page = client.get(reverse("dashboard")).content.decode()
        assert 'data-testid="overdue-transfers"' in page
        assert late.member.full_name in page
        assert late.get_absolute_url() in page


def test_the_dashboard_of_someone_on_neither_side_has_no_panel(client, tree, late):
    from tests.factories import K, org

    stranger = user("stranger", org(tree.province, K.DISTRICT, "Huyện khác", "HU-K"))
    client.force_login(stranger)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="overdue-transfers"' not in page


def test_the_dashboard_panel_costs_the_same_with_more_transfers(
    client, tree, city_staff
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(captured)

    client.force_login(city_staff)
    for i in range(2):
        issue(
            placed_member(tree.city_cell),
            tree.district_cell,
            number=str(i + 1),
            letter_date=days_ago(40 + i),
        )
    small = queries()
    for i in range(2, 12):
        issue(
            placed_member(tree.city_cell),
            tree.district_cell,
            number=str(i + 1),
            letter_date=days_ago(40 + i),
        )
    assert queries() == small + 1  # the count, once there are more than shown
    for i in range(12, 20):
        issue(
            placed_member(tree.city_cell),
            tree.district_cell,
            number=str(i + 1),
            letter_date=days_ago(40 + i),
        )
    assert queries() == small + 1


# ---------------------------------------------------------------- reminders


def test_the_sweep_tells_the_nearest_board_of_each_side_once(board, late):
    result = transfer_reminders.sweep_transfer_reminders(enqueue=False)
    notices = notices_of(late)
    assert {n.recipient.username for n in notices} == {"sender-board", "receiver-board"}
    assert result.written == 2
    notice = notices.get(recipient=board["sender"])
    assert notice.dedupe_key == f"transfer:{late.pk}:1"
    assert notice.payload["threshold"] == 1
    assert notice.payload["due_on"] == late.due_on.isoformat()
    assert notice.payload["path"] == late.get_absolute_url()
    assert "Đỗ Văn Chậm" in notice.payload["title"]
    assert notices.get(recipient=board["receiver"]).payload["side"] == "receiving"
    # a second sweep the same day writes nothing
    again = transfer_reminders.sweep_transfer_reminders(enqueue=False)
    assert again.written == 0
    assert notices.count() == 2


def test_one_notice_per_threshold(board, late):
    day = today()
    for offset in range(0, 15):  # 1 to 15 days overdue, a sweep a day
        transfer_reminders.sweep_transfer_reminders(
            today=day + timedelta(days=offset), enqueue=False
        )
    keys = sorted(
        notices_of(late)
        .filter(recipient=board["sender"])
        .values_list("dedupe_key", flat=True)
    )
    assert keys == sorted(f"transfer:{late.pk}:{t}" for t in (1, 8, 15))


def test_a_missed_sweep_catches_up_with_the_latest_threshold(board, late):
    transfer_reminders.sweep_transfer_reminders(
        today=today() + timedelta(days=10), enqueue=False
    )
    assert list(
        notices_of(late)
        .filter(recipient=board["sender"])
        .values_list("payload__threshold", flat=True)
    ) == [8]


@pytest.mark.parametrize(
    "days, threshold", [(0, None), (1, 1), (7, 1), (8, 8), (22, 22)]
)
def test_thresholds(days, threshold):
    assert transfer_reminders.threshold_for(days) == threshold


def test_nothing_before_the_due_date_passes(board, tree):
    on_time = issue(placed_member(tree.city_cell), tree.district_cell, number="30")
    transfer_reminders.sweep_transfer_reminders(today=on_time.due_on, enqueue=False)
    assert not notices_of(on_time).exists()


def test_without_grassroots_staff_the_district_board_is_told(tree, late):
    district = user("district-board", tree.district, Role.ORGANIZATION_BOARD)
    user("province-board", tree.province, Role.ORGANIZATION_BOARD)
    user("quiet", tree.district, Role.ORGANIZATION_BOARD, reminders_enabled=False)
    transfer_reminders.sweep_transfer_reminders(enqueue=False)
    receivers = set(notices_of(late).values_list("recipient__username", flat=True))
    # the city side has no board below the province: the province is told
    assert receivers == {district.username, "province-board"}


def test_obsolete_pending_notices_are_cancelled(board, late, outsider):
    transfer_reminders.sweep_transfer_reminders(enqueue=False)
    transfers.return_transfer(acting_user=outsider, transfer=late, reason="Sai")
    result = transfer_reminders.sweep_transfer_reminders(
        today=today() + timedelta(days=7), enqueue=False
    )
    assert result.cancelled == 2
    assert set(notices_of(late).values_list("status", flat=True)) == {
        NoticeStatus.CANCELLED
    }


def test_the_notices_reach_the_digest_email(board, late, mailoutbox, settings):
    from portal import notices as outbox

    settings.CELERY_TASK_ALWAYS_EAGER = True
    transfer_reminders.sweep_transfer_reminders(enqueue=False)
    for recipient_id in outbox.pending_recipients():
        digest = outbox.start_digest(recipient_id)
        outbox.deliver_digest(digest)
        outbox.finish_digest(digest)
    bodies = {m.to[0]: m.body for m in mailoutbox}
    assert set(bodies) == {"sender-board@example.org", "receiver-board@example.org"}
    assert "Đỗ Văn Chậm" in bodies["sender-board@example.org"]
    assert "1 day overdue" in bodies["sender-board@example.org"]


def test_the_beat_runs_the_sweep_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-transfer-reminders"]
    assert entry["task"] == "committees.tasks.sweep_transfer_reminders"
    assert entry["schedule"] == timedelta(days=1)


def test_the_task_runs_the_sweep(board, late):
    from committees.tasks import sweep_transfer_reminders

    sweep_transfer_reminders.apply()
    assert notices_of(late).count() == 2


def test_the_cached_panel_is_forgotten_when_a_transfer_changes(
    tree, city_staff, outsider, settings, django_capture_on_commit_callbacks
):
    """With the dashboard cache on (production), the panel is read once per
    scope and day, and forgotten as soon as any transfer changes."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    late = [
        issue(
            placed_member(tree.city_cell),
            tree.district_cell,
            number=str(i + 1),
            letter_date=days_ago(40 + i),
        )
        for i in range(7)
    ]
    first = transfer_selectors.overdue_for_dashboard(city_staff)
    assert first["count"] == 7
    assert len(first["rows"]) == transfer_selectors.DASHBOARD_ROWS
    with CaptureQueriesContext(connection) as captured:
        again = transfer_selectors.overdue_for_dashboard(city_staff)
    assert len(captured) == 0
    assert [t.pk for t in again["rows"]] == [t.pk for t in first["rows"]]
    oldest = late[-1]
    with django_capture_on_commit_callbacks(execute=True):
        transfers.accept_transfer(acting_user=outsider, transfer=oldest)
    after = transfer_selectors.overdue_for_dashboard(city_staff)
    assert after["count"] == 6
    assert oldest.pk not in [t.pk for t in after["rows"]]
