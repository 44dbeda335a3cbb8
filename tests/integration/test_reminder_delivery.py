"""Reminder digests through a real worker, the real Redis and real SMTP.

The scenario: the ward's office has two items (one due in a week, one
8 days overdue, which escalates to the city's office), the village's
office one item due tomorrow. Each test sweeps, then looks at what the
SMTP sink received.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from congresses import services
from congresses.models import Milestone, MilestoneKind
from congresses.reminders import sweep_milestone_reminders
from portal.models import Digest, DigestStatus, Notice, NoticeStatus, User
from portal.roles import Role
from tests.congresses.conftest import plan_2025, schedule
from tests.factories import user

from .conftest import closed_port_url, use_broker, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

WARD = "ward_office@example.org"
CITY = "city_office@example.org"
VILLAGE = "village_office@example.org"


@dataclass
class Scenario:
    ward: User
    city: User
    village: User
    drafts: Milestone
    report: Milestone
    personnel: Milestone


@pytest.fixture
def scenario(tree) -> Scenario:
    plan_2025()
    ward_congress = schedule(tree.city_grassroots, date(2025, 6, 25))
    village_congress = schedule(tree.district_grassroots, date(2025, 6, 20))
    # The items the templates gave (due in 2025) are done: only ours remain.
    Milestone.objects.update(done_at=timezone.now())
    today = timezone.localdate()

    def item(congress, title, owner, due_on):
        return services.add_milestone(
            acting_user=None,
            congress=congress,
            kind=MilestoneKind.DRAFTS_SENT,
            title=title,
            owner=owner,
            due_on=due_on,
        )

    return Scenario(
        ward=user("ward_office", tree.city_grassroots, Role.OFFICE, language="en"),
        city=user("city_office", tree.city, Role.OFFICE, language="en"),
        village=user("village_office", tree.district_grassroots, Role.OFFICE),
        drafts=item(
            ward_congress,
            "Send the draft documents",
            tree.city_grassroots,
            today + timedelta(days=7),
        ),
        report=item(
            ward_congress,
            "Send the results report",
            tree.city_grassroots,
            today - timedelta(days=8),
        ),
        personnel=item(
            village_congress,
            "Personnel plan approved",
            tree.district_grassroots,
            today + timedelta(days=1),
        ),
    )


def text_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""


def html_of(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode()
    return ""


def settle(seconds: float = 3.0) -> None:
    """Give a worker time to do what it should not do."""
    time.sleep(seconds)


def check_the_three_digests(sink, scenario: Scenario) -> None:
    ward = sink.to(WARD)
    assert len(ward) == 1
    body = text_of(ward[0])
    assert ward[0]["Subject"] == "2 items due soon or overdue"
    assert "Send the draft documents" in body and "7 days left" in body
    assert "Send the results report" in body and "8 days overdue" in body
    assert f"/congresses/{scenario.drafts.congress_id}/" in body
    assert "Send the results report" in html_of(ward[0])

    city = sink.to(CITY)
    assert len(city) == 1
    assert city[0]["Subject"] == "1 item due soon or overdue"
    assert "Send the results report" in text_of(city[0])
    assert "Send the draft documents" not in text_of(city[0])

    village = sink.to(VILLAGE)
    assert len(village) == 1
    assert "Personnel plan approved" in text_of(village[0])


def test_one_digest_per_recipient_and_nothing_twice_after_two_sweeps(
    start_worker, smtp_sink, scenario
):
    worker = start_worker()
    sweep_milestone_reminders()
    wait_for(lambda: smtp_sink.count() >= 3, what=f"3 digests\n{worker.output()}")
    check_the_three_digests(smtp_sink, scenario)
    stored = {d.recipient.email: d.message_id for d in Digest.objects.all()}
    assert {m["To"]: m["Message-ID"] for m in smtp_sink.messages} == stored

    # A second sweep, and a third with every "lost" row looked for again.
    assert sweep_milestone_reminders().written == 0
    with override_settings(NOTICE_REQUEUE_AFTER_SECONDS=0):
        sweep_milestone_reminders()
    settle()
    assert smtp_sink.count() == 3
    assert set(Notice.objects.values_list("status", flat=True)) == {NoticeStatus.SENT}


def test_redis_down_during_a_sweep_loses_nothing(start_worker, smtp_sink, scenario):
    worker = start_worker()
    use_broker(closed_port_url())

    # The web request that marks an item done does not need the broker.
    client = Client()
    client.force_login(scenario.village)
    response = client.post(
        reverse("congresses:milestone_done", args=[scenario.personnel.pk])
    )
    assert response.status_code in (200, 302)
    scenario.personnel.refresh_from_db()
    assert scenario.personnel.done_at is not None

    result = sweep_milestone_reminders()  # enqueueing fails, and is logged
    assert result.written > 0
    settle()
    assert smtp_sink.count() == 0
    assert set(Notice.objects.values_list("status", flat=True)) == {
        NoticeStatus.PENDING
    }

    from .conftest import BROKER_URL

    use_broker(BROKER_URL)  # Redis is back: the next sweep enqueues them
    with override_settings(NOTICE_REQUEUE_AFTER_SECONDS=0):
        again = sweep_milestone_reminders()
    assert again.written == 0
    assert again.requeued == {scenario.ward.pk, scenario.city.pk}
    wait_for(lambda: smtp_sink.count() >= 2, what=f"2 digests\n{worker.output()}")
    settle(1)
    assert len(smtp_sink.to(WARD)) == 1
    assert len(smtp_sink.to(CITY)) == 1
    assert smtp_sink.to(VILLAGE) == []  # their only item was done
    assert not Notice.objects.filter(status=NoticeStatus.PENDING).exists()


def test_a_worker_killed_while_sending_sends_nothing_twice(
    start_worker, smtp_sink, scenario
):
    Milestone.objects.exclude(pk=scenario.personnel.pk).update(done_at=timezone.now())
    # The SMTP server is slow to answer: the worker is caught mid-send.
    smtp_sink.rcpt_delay = 20
    first = start_worker(CELERY_VISIBILITY_TIMEOUT="2")
    sweep_milestone_reminders()
    assert smtp_sink.rcpt_seen.wait(30), first.output()
    first.kill()  # SIGKILL, with the message unacknowledged (acks late)

    digest = Digest.objects.get()
    assert digest.status == DigestStatus.SENDING
    statuses = set(Notice.objects.values_list("status", flat=True))
    assert statuses == {NoticeStatus.SENDING}
    assert smtp_sink.count() == 0

    # Past the visibility timeout, another worker gets the same task again.
    time.sleep(3)
    second = start_worker(CELERY_VISIBILITY_TIMEOUT="2")
    wait_for(lambda: smtp_sink.count() >= 1, what=f"the resend\n{second.output()}")
    settle()
    sweep_milestone_reminders()
    settle(2)
    assert smtp_sink.count() == 1
    message = smtp_sink.to(VILLAGE)[0]
    assert message["Message-ID"] == digest.message_id  # chosen before the kill
    assert "Personnel plan approved" in text_of(message)
    assert set(Notice.objects.values_list("status", "message_id")) == {
        (NoticeStatus.SENT, digest.message_id)
    }
    assert Digest.objects.get().status == DigestStatus.SENT


def test_smtp_refusing_retries_then_fails_then_send_again_works(
    start_worker, smtp_sink, scenario, admin_user
):
    Milestone.objects.exclude(pk=scenario.personnel.pk).update(done_at=timezone.now())
    smtp_sink.refuse = "550 5.7.1 Delivery not authorized"
    worker = start_worker(NOTICE_RETRY_BASE_SECONDS="0.5", NOTICE_MAX_ATTEMPTS="3")
    sweep_milestone_reminders()
    wait_for(
        lambda: Notice.objects.filter(status=NoticeStatus.FAILED).exists(),
        what=f"the notice to fail\n{worker.output()}",
    )
    assert smtp_sink.data_attempts == 3  # the first try and two retries
    assert smtp_sink.count() == 0
    failed = Notice.objects.filter(status=NoticeStatus.FAILED)
    assert failed.count() == Notice.objects.count() == 3  # -14, -7 and -1
    assert all("550" in n.last_error and n.attempts == 3 for n in failed)
    assert Digest.objects.get().status == DigestStatus.FAILED

    # The server accepts again; the administrator sends the notice again.
    smtp_sink.refuse = None
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:portal_notice_changelist"),
        {"action": "send_again", "_selected_action": [n.pk for n in failed]},
    )
    assert response.status_code == 302
    wait_for(lambda: smtp_sink.count() >= 1, what=f"the resend\n{worker.output()}")
    settle(1)
    assert smtp_sink.count() == 1
    assert "Personnel plan approved" in text_of(smtp_sink.to(VILLAGE)[0])
    assert set(Notice.objects.values_list("status", flat=True)) == {NoticeStatus.SENT}
