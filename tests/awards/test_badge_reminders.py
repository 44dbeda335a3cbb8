"""The badge reminder: 30 days before an occasion, each grassroots
organization's Emulation staff get one digest line listing their members
due a membership badge; once only; nothing before the window; nothing for
an organization with nobody due.

The occasion under test is 2 September 2025: its window opens on
3 August 2025. The previous occasion is 19 May 2025, so only badges reached
after it are due on 2 September.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from awards import services
from awards.reminders import badge_key, occasions_to_remind, sweep_badge_reminders
from committees.models import Organization
from portal.models import Notice, User
from portal.notices import build_digest_message
from portal.roles import Role
from tests.factories import K, MemberFactory, org, user

SEPT_2 = date(2025, 9, 2)
OPENS = date(2025, 8, 3)


@pytest.fixture(autouse=True)
def _kinds(badge_kinds):
    return badge_kinds


@pytest.fixture
def due(tree):
    """Members of the city's grassroots committee due on 2/9/2025 (30 and
    40 years reached in June–August), and some who are not."""
    return {
        "thirty": MemberFactory(
            full_name="Phạm Văn Ba Mươi",
            organization=tree.city_cell,
            admitted_on=date(1995, 7, 1),
        ),
        "forty": MemberFactory(
            full_name="Lê Thị Bốn Mươi",
            organization=tree.city_cell_2,
            admitted_on=date(1985, 8, 1),
        ),
        "young": MemberFactory(full_name="Trẻ Tuổi Đảng", organization=tree.city_cell),
        # 30 years on 1/1/2025: due on 3/2 already, not again now.
        "earlier": MemberFactory(
            full_name="Đã Đến Hạn Trước",
            organization=tree.city_cell,
            admitted_on=date(1995, 1, 1),
        ),
        "district_young": MemberFactory(
            full_name="Huyện Trẻ", organization=tree.district_cell
        ),
    }


@pytest.fixture
def ward_emulation(tree):
    return user("ward_emulation", tree.city_grassroots, Role.EMULATION)


@pytest.fixture
def others(tree):
    """Staff who must not get the reminder."""
    quiet = user(
        "ward_quiet", tree.city_grassroots, Role.EMULATION, reminders_enabled=False
    )
    no_mail = user("ward_nomail", tree.city_grassroots, Role.EMULATION)
    User.objects.filter(pk=no_mail.pk).update(email="")
    return {
        "office": user("ward_office", tree.city_grassroots, Role.OFFICE),
        "quiet": quiet,
        "no_mail": no_mail,
        "inactive": user(
            "ward_gone", tree.city_grassroots, Role.EMULATION, is_active=False
        ),
        "city": user("city_emulation", tree.city, Role.EMULATION),
        "district": user(
            "district_emulation", tree.district_grassroots, Role.EMULATION
        ),
    }


def sweep(day: date):
    return sweep_badge_reminders(today=day, enqueue=False)


def test_the_window_opens_30_days_before_and_closes_on_the_eve():
    assert occasions_to_remind(date(2025, 8, 2)) == []
    assert occasions_to_remind(OPENS) == [SEPT_2]
    assert occasions_to_remind(date(2025, 9, 1)) == [SEPT_2]
    assert occasions_to_remind(SEPT_2) == []
    # Across the new year: 3 February is reminded from 4 January on.
    assert occasions_to_remind(date(2026, 1, 4)) == [date(2026, 2, 3)]
    assert occasions_to_remind(date(2025, 12, 20)) == []


def test_the_grassroots_emulation_staff_get_their_members_due(
    tree, due, ward_emulation, others
):
    result = sweep(OPENS)
    assert result.written == 1
    notice = Notice.objects.get()
    assert notice.recipient == ward_emulation
    assert notice.topic == tree.city_grassroots
    assert notice.dedupe_key == badge_key(SEPT_2, tree.city_grassroots.pk)
    payload = notice.payload
    assert payload["organization"] == tree.city_grassroots.name
    assert payload["due_on"] == "2025-09-02"
    assert payload["members"] == 2
    title = payload["title"]
    assert "Phạm Văn Ba Mươi" in title
    assert "Lê Thị Bốn Mươi" in title
    assert "Trẻ Tuổi Đảng" not in title
    assert "Đã Đến Hạn Trước" not in title
    assert payload["path"] == (
        f"/awards/badges/?year=2025&occasion=09-02&org={tree.city_grassroots.pk}"
    )


def test_the_line_reads_in_the_recipients_language(tree, due, ward_emulation):
    User.objects.filter(pk=ward_emulation.pk).update(language="en")
    sweep(OPENS)
    title = Notice.objects.get().payload["title"]
    assert title.startswith("Party membership badges on 02/09/2025: 2 members due")
    assert "40 years: Lê Thị Bốn Mươi" in title
    assert "30 years: Phạm Văn Ba Mươi" in title
    assert title.index("40 years") < title.index("30 years")


def test_nobody_else_is_reminded(tree, due, ward_emulation, others):
    sweep(OPENS)
    assert list(Notice.objects.values_list("recipient", flat=True)) == [
        ward_emulation.pk
    ]


def test_a_second_sweep_writes_nothing(tree, due, ward_emulation):
    sweep(OPENS)
    again = sweep(OPENS)
    later = sweep(date(2025, 8, 20))
    assert again.written == later.written == 0
    assert Notice.objects.count() == 1


def test_nothing_before_the_window(tree, due, ward_emulation):
    result = sweep(date(2025, 8, 2))
    assert result.occasions == []
    assert result.written == 0
    assert not Notice.objects.exists()


def test_nothing_on_the_occasion_day_itself(tree, due, ward_emulation):
    sweep(SEPT_2)
    assert not Notice.objects.exists()


def test_a_missed_day_is_caught_up(tree, due, ward_emulation):
    result = sweep(date(2025, 8, 25))
    assert result.written == 1
    assert Notice.objects.get().payload["due_on"] == "2025-09-02"


def test_an_organization_with_nobody_due_gets_nothing(tree, due, others):
    sweep(OPENS)
    assert not Notice.objects.filter(recipient=others["district"]).exists()
    assert not Notice.objects.exists()  # no recipient in the city either


def test_members_already_nominated_are_left_out(tree, due, ward_emulation, city_staff):
    services.nominate_badges(
        acting_user=city_staff,
        proposer=tree.city,
        occasion_on=SEPT_2,
        member_ids=[due["thirty"].pk],
    )
    sweep(OPENS)
    title = Notice.objects.get().payload["title"]
    assert "Lê Thị Bốn Mươi" in title
    assert "Phạm Văn Ba Mươi" not in title


def test_when_everybody_is_nominated_there_is_nothing_to_remind(
    tree, due, ward_emulation, city_staff
):
    services.nominate_badges(
        acting_user=city_staff,
        proposer=tree.city,
        occasion_on=SEPT_2,
        member_ids=[due["thirty"].pk, due["forty"].pk],
    )
    sweep(OPENS)
    assert not Notice.objects.exists()


def test_a_cell_under_a_commune_committee_reminds_the_commune(tree):
    commune = org(tree.province, K.COMMUNE, "Đảng bộ xã Tân Mỹ", "X-TM")
    cell = org(commune, K.CELL, "Chi bộ thôn Hạ", "X-TM-1")
    MemberFactory(full_name="Ở Xã", organization=cell, admitted_on=date(1995, 8, 1))
    staff = user("commune_emulation", commune, Role.EMULATION)
    sweep(OPENS)
    notice = Notice.objects.get()
    assert notice.recipient == staff
    assert notice.topic == Organization.objects.get(pk=commune.pk)
    assert "Ở Xã" in notice.payload["title"]


def test_the_reminder_days_are_a_setting(tree, due, ward_emulation, settings):
    settings.BADGE_REMINDER_DAYS = 10
    sweep(OPENS)
    assert not Notice.objects.exists()
    sweep(date(2025, 8, 23))
    assert Notice.objects.count() == 1


def test_the_digest_email_carries_the_line(tree, due, ward_emulation):
    User.objects.filter(pk=ward_emulation.pk).update(language="en")
    sweep(OPENS)
    recipient = User.objects.get(pk=ward_emulation.pk)
    message = build_digest_message(
        recipient,
        list(Notice.objects.all()),
        message_id="<test@example.org>",
        today=OPENS,
    )
    assert tree.city_grassroots.name in message.body
    assert "Phạm Văn Ba Mươi" in message.body
    assert "02/09/2025" in message.body
    assert "30 days left" in message.body
    assert f"org={tree.city_grassroots.pk}" in message.body


def test_the_sweep_sends_the_digest_once_committed(
    tree, due, ward_emulation, django_capture_on_commit_callbacks
):
    from portal.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sweep_badge_reminders(today=OPENS)
    finally:
        app.conf.task_always_eager = False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [ward_emulation.email]
    assert "Lê Thị Bốn Mươi" in mail.outbox[0].body


def test_the_sweep_is_on_the_daily_beat(settings):
    from awards.tasks import sweep_badge_reminders as task

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-badge-reminders"]
    assert entry["task"] == task.name
    assert entry["schedule"].total_seconds() == 24 * 3600
