"""``manage.py send_reminders``: one sweep now, sent in this process."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from congresses import services
from congresses.models import MilestoneKind
from portal.models import Digest, Notice, NoticeStatus
from portal.roles import Role
from tests.congresses.conftest import schedule
from tests.factories import user


@pytest.fixture
def milestone(tree, plan):
    congress = schedule(tree.city_grassroots, date(2025, 6, 25))
    return services.add_milestone(
        acting_user=None,
        congress=congress,
        kind=MilestoneKind.DRAFTS_SENT,
        title="Gửi dự thảo văn kiện",
        owner=tree.city_grassroots,
        due_on=date(2025, 4, 10),
    )


@pytest.fixture
def office(tree):
    return user("ward_office", tree.city_grassroots, Role.OFFICE, language="en")


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_the_dry_run_prints_what_would_go_to_whom_and_writes_nothing(milestone, office):
    output = run("--dry-run", "--today", "2025-04-03")
    assert "ward_office@example.org: Đảng bộ phường Trần Phú — Gửi dự thảo" in output
    assert "10/04/2025 (threshold -7)" in output
    assert "2 notices for 1 recipients would be written" in output
    assert not Notice.objects.exists()
    assert mail.outbox == []


def test_it_sweeps_and_sends_synchronously(milestone, office):
    output = run("--today", "2025-04-03")
    assert "2 notices written" in output
    assert "1 emails sent" in output
    assert len(mail.outbox) == 1
    assert set(Notice.objects.values_list("status", flat=True)) == {NoticeStatus.SENT}
    # A second run the same day sends nothing more.
    run("--today", "2025-04-03")
    assert len(mail.outbox) == 1
    assert Digest.objects.count() == 1


def test_a_bad_date_is_refused(db):
    with pytest.raises(CommandError):
        run("--today", "03/04/2025")
