"""The outbox: claiming, the daily digest, retries and "send again"."""

from __future__ import annotations

import smtplib
from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError
from django.test import override_settings
from django.utils import timezone

from committees.models import Organization
from portal import notices
from portal.celery import app as celery_app
from portal.models import Digest, DigestStatus, Notice, NoticeStatus
from portal.roles import Role
from portal.tasks import send_digest
from tests.factories import user

TODAY = timezone.localdate()


@pytest.fixture
def eager():
    """Tasks run in this process, as with CELERY_TASK_ALWAYS_EAGER=1."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def office(tree):
    return user("ward_office", tree.city_grassroots, Role.OFFICE, language="en")


def notice(recipient, topic: Organization, *, key: str, due_on: date, **payload):
    return Notice.objects.create(
        recipient=recipient,
        content_type=ContentType.objects.get_for_model(Organization),
        object_id=topic.pk,
        dedupe_key=key,
        payload={
            "title": payload.pop("title", "Gửi dự thảo văn kiện"),
            "organization": topic.name,
            "due_on": due_on.isoformat(),
            "threshold": payload.pop("threshold", -7),
            "path": "/congresses/7/",
            **payload,
        },
    )


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that answers 550 to every message."""

    def send_messages(self, messages):
        raise smtplib.SMTPDataError(550, b"Mailbox unavailable")


# ---------------------------------------------------------------- writing


def test_a_key_is_written_once_per_recipient(office, tree):
    notice(office, tree.city, key="k1", due_on=TODAY)
    with pytest.raises(IntegrityError):
        notice(office, tree.city, key="k1", due_on=TODAY)


def test_write_notices_skips_existing_keys_and_names_new_recipients(office, tree):
    other = user("other_office", tree.city_grassroots, Role.OFFICE)
    notice(office, tree.city, key="k1", due_on=TODAY)
    ct = ContentType.objects.get_for_model(Organization)
    drafts = [
        Notice(recipient=office, content_type=ct, object_id=1, dedupe_key="k1"),
        Notice(recipient=other, content_type=ct, object_id=1, dedupe_key="k1"),
    ]
    assert notices.write_notices(drafts) == {other.pk}
    assert Notice.objects.count() == 2


# ---------------------------------------------------------------- claiming


def test_two_claims_of_the_same_rows_the_second_gets_nothing(office, tree):
    notice(office, tree.city, key="k1", due_on=TODAY)
    notice(office, tree.city, key="k2", due_on=TODAY)
    first = notices.claim_notices(office.pk, token="first")
    second = notices.claim_notices(office.pk, token="second")
    assert len(first) == 2
    assert second == []
    assert set(Notice.objects.values_list("claim_token", flat=True)) == {"first"}


def test_a_claim_changes_only_rows_still_pending(office, tree):
    sent = notice(office, tree.city, key="k1", due_on=TODAY)
    Notice.objects.filter(pk=sent.pk).update(status=NoticeStatus.SENT)
    assert notices.claim_notices(office.pk, token="t") == []


# ---------------------------------------------------------------- the digest


def test_the_digest_lists_every_pending_notice_in_one_email(office, tree):
    notice(office, tree.city_grassroots, key="a", due_on=TODAY + timedelta(days=7))
    notice(
        office,
        tree.city_cell,
        key="b",
        due_on=TODAY - timedelta(days=3),
        title="Báo cáo kết quả",
        threshold=0,
    )
    notice(office, tree.city_cell_2, key="c", due_on=TODAY)
    send_digest.apply((office.pk,))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ward_office@example.org"]
    assert message.subject == "3 items due soon or overdue"
    assert "7 days left" in message.body
    assert "3 days overdue" in message.body
    assert "due today" in message.body
    assert "Đảng bộ phường Trần Phú: Gửi dự thảo văn kiện" in message.body
    assert (TODAY + timedelta(days=7)).strftime("%d/%m/%Y") in message.body
    assert "http://127.0.0.1:8000/congresses/7/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="http://127.0.0.1:8000/congresses/7/"' in html
    assert "Báo cáo kết quả" in html


def test_the_digest_marks_its_notices_sent_with_the_message_id(office, tree):
    notice(office, tree.city, key="a", due_on=TODAY)
    send_digest.apply((office.pk,))
    sent = Notice.objects.get()
    digest = Digest.objects.get()
    assert sent.status == NoticeStatus.SENT
    assert sent.sent_at is not None
    assert (
        sent.message_id
        == digest.message_id
        == mail.outbox[0].extra_headers["Message-ID"]
    )
    assert mail.outbox[0].message()["Message-ID"] == digest.message_id
    assert digest.status == DigestStatus.SENT
    assert digest.day == TODAY


def test_the_digest_speaks_the_recipients_language(office, tree):
    office.language = "vi"
    office.save()
    notice(office, tree.city, key="a", due_on=TODAY + timedelta(days=2))
    with override_settings(LANGUAGE_CODE="en"):
        send_digest.apply((office.pk,))
    # The Vietnamese catalogue may not be written yet: check that the
    # language was switched for the rendering (the HTML says which).
    html = mail.outbox[0].alternatives[0][0]
    assert '<html lang="vi">' in html


def test_one_line_per_topic_when_several_thresholds_wait(office, tree):
    due = TODAY + timedelta(days=1)
    notice(office, tree.city, key="m:-14", due_on=due, threshold=-14)
    notice(office, tree.city, key="m:-7", due_on=due, threshold=-7)
    notice(office, tree.city, key="m:-1", due_on=due, threshold=-1)
    send_digest.apply((office.pk,))
    assert mail.outbox[0].subject == "1 item due soon or overdue"
    assert mail.outbox[0].body.count("Gửi dự thảo văn kiện") == 1
    assert Notice.objects.filter(status=NoticeStatus.SENT).count() == 3


def test_at_most_one_digest_a_day(office, tree):
    notice(office, tree.city, key="a", due_on=TODAY)
    send_digest.apply((office.pk,))
    later = notice(office, tree.city, key="b", due_on=TODAY)
    send_digest.apply((office.pk,))
    assert len(mail.outbox) == 1
    later.refresh_from_db()
    assert later.status == NoticeStatus.PENDING  # waits for tomorrow's digest
    # Nor is it enqueued again by every sweep today.
    with override_settings(NOTICE_REQUEUE_AFTER_SECONDS=0):
        assert office.pk not in notices.recipients_to_requeue()
        tomorrow = timezone.now() + timedelta(days=1)
        assert office.pk in notices.recipients_to_requeue(now=tomorrow)


def test_a_redelivered_task_sends_nothing_already_sent(office, tree):
    notice(office, tree.city, key="a", due_on=TODAY)
    send_digest.apply((office.pk,), task_id="same-task")
    send_digest.apply((office.pk,), task_id="same-task")
    assert len(mail.outbox) == 1


def test_nothing_pending_sends_nothing(office):
    assert send_digest.apply((office.pk,)).result == "nothing to send"
    assert mail.outbox == []
    assert not Digest.objects.exists()


def test_notices_of_a_user_who_turned_reminders_off_are_cancelled(office, tree):
    notice(office, tree.city, key="a", due_on=TODAY)
    office.reminders_enabled = False
    office.save()
    send_digest.apply((office.pk,))
    assert mail.outbox == []
    assert Notice.objects.get().status == NoticeStatus.CANCELLED


# ---------------------------------------------------------------- crashes


def test_a_killed_send_is_completed_by_its_redelivery_with_the_same_id(office, tree):
    notice(office, tree.city, key="a", due_on=TODAY)
    # The worker claimed, then died before the SMTP server accepted.
    digest = notices.start_digest(office.pk, task_id="task-1")
    assert digest is not None
    # Another task for the recipient leaves the live claim alone …
    assert notices.start_digest(office.pk, task_id="task-2") is None
    # … the same task delivered again (acks late) takes it over.
    send_digest.apply((office.pk,), task_id="task-1")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == digest.message_id
    assert Notice.objects.get().status == NoticeStatus.SENT


@override_settings(NOTICE_CLAIM_TIMEOUT_SECONDS=600)
def test_a_stale_claim_is_taken_over_and_requeued_by_the_sweep(office, tree):
    notice(office, tree.city, key="a", due_on=TODAY)
    digest = notices.start_digest(office.pk, task_id="lost-task")
    later = timezone.now() + timedelta(minutes=11)
    assert notices.recipients_to_requeue(now=later) == {office.pk}
    taken = notices.start_digest(office.pk, task_id="new-task", now=later)
    assert taken.pk == digest.pk
    assert taken.message_id == digest.message_id
    assert taken.claim_token == digest.claim_token


@override_settings(NOTICE_CLAIM_TIMEOUT_SECONDS=600)
def test_a_stale_claim_outside_any_digest_is_released_to_pending(office, tree):
    notice(office, tree.city, key="a", due_on=TODAY)
    notices.claim_notices(office.pk, token="orphan")
    assert notices.release_stale_claims() == 0  # still fresh
    later = timezone.now() + timedelta(minutes=11)
    assert notices.release_stale_claims(now=later) == 1
    assert Notice.objects.get().status == NoticeStatus.PENDING


@override_settings(NOTICE_CLAIM_TIMEOUT_SECONDS=600)
def test_a_stale_digest_keeps_its_notices_for_the_take_over(office, tree):
    notice(office, tree.city, key="a", due_on=TODAY)
    notices.start_digest(office.pk, task_id="dead")
    later = timezone.now() + timedelta(minutes=11)
    assert notices.release_stale_claims(now=later) == 0
    assert Notice.objects.get().status == NoticeStatus.SENDING


# ---------------------------------------------------------------- failures


@override_settings(
    EMAIL_BACKEND="tests.portal.test_notices.RefusingBackend",
    NOTICE_MAX_ATTEMPTS=3,
    NOTICE_RETRY_BASE_SECONDS=1,
)
def test_smtp_refusal_retries_then_fails_then_send_again_works(
    office, tree, eager, django_capture_on_commit_callbacks
):
    notice(office, tree.city, key="a", due_on=TODAY)
    send_digest.apply((office.pk,))  # eager: the retries run at once
    failed = Notice.objects.get()
    digest = Digest.objects.get()
    assert failed.status == NoticeStatus.FAILED
    assert failed.attempts == 3
    assert "550" in failed.last_error
    assert digest.status == DigestStatus.FAILED
    assert digest.attempts == 3

    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert notices.resend_failed([failed.pk]) == 1
    assert len(mail.outbox) == 1
    failed.refresh_from_db()
    assert failed.status == NoticeStatus.SENT
    assert Digest.objects.get().status == DigestStatus.SENT  # today's, reused


@override_settings(NOTICE_RETRY_BASE_SECONDS=240, NOTICE_MAX_ATTEMPTS=5)
def test_the_backoff_doubles_and_stops_after_the_last_attempt(office, tree):
    notice(office, tree.city, key="a", due_on=TODAY)
    digest = notices.start_digest(office.pk, task_id="t")
    countdowns = []
    for _attempt in range(5):
        Digest.objects.filter(pk=digest.pk).update(attempts=_attempt + 1)
        countdowns.append(notices.record_failure(digest, OSError("refused")))
    assert countdowns == [240, 480, 960, 1920, None]
    assert sum(countdowns[:-1]) == 3600  # about an hour
    assert Notice.objects.get().status == NoticeStatus.FAILED


def test_send_again_touches_only_failed_notices(office, tree):
    pending = notice(office, tree.city, key="a", due_on=TODAY)
    assert notices.resend_failed([pending.pk]) == 0


# ---------------------------------------------------------------- the broker


def test_enqueueing_with_the_broker_down_never_raises(office, caplog):
    # The publishing connection reads broker_write_url first.
    celery_app.conf.broker_write_url = "redis://127.0.0.1:1/5"  # nothing listens
    try:
        assert notices.enqueue_digests([office.pk]) == 0
    finally:
        celery_app.conf.broker_write_url = None
    assert "Could not enqueue" in caplog.text


@override_settings(NOTICE_REQUEUE_AFTER_SECONDS=60)
def test_pending_notices_are_requeued_after_a_minute(office, tree):
    notice(office, tree.city, key="a", due_on=TODAY)
    assert notices.recipients_to_requeue() == set()
    later = timezone.now() + timedelta(seconds=61)
    assert notices.recipients_to_requeue(now=later) == {office.pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_share_a_row(tree):
    import threading

    from django.db import connection

    recipient = user("busy_office", tree.city_grassroots, Role.OFFICE)
    for i in range(200):
        notice(recipient, tree.city, key=f"k{i}", due_on=TODAY)
    barrier = threading.Barrier(4)
    claimed: dict[str, list[int]] = {}

    def claim(token: str) -> None:
        try:
            barrier.wait(timeout=10)
            claimed[token] = [
                n.pk for n in notices.claim_notices(recipient.pk, token=token)
            ]
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    everything = [pk for pks in claimed.values() for pk in pks]
    assert len(everything) == len(set(everything)) == 200
