"""The outbox of reminder notices and the daily digest email.

Whoever has something to remind people of (the congress milestone sweep,
later the badge occasions) writes ``Notice`` rows with ``write_notices``;
this module turns a recipient's pending notices into one email a day.

How a digest is sent (``start_digest`` → ``deliver_digest`` →
``finish_digest``, driven by ``portal.tasks.send_digest``):

1. **Claim** (one transaction, the recipient's row locked so that one
   recipient's digests are decided one at a time): a ``Digest`` row for
   (recipient, today) is written with a Message-ID chosen now, and the
   recipient's pending notices are claimed with a conditional
   ``UPDATE … SET status='sending', claim_token=… WHERE status='pending'``:
   two workers can never claim the same row. If the recipient already got
   today's digest, nothing is claimed: notices written after today's email
   went out wait for tomorrow's (at most one email a day).
2. **Send** one multipart email with that Message-ID.
3. **Mark** the digest and its notices sent, with the time and Message-ID.

Guarantees, and why:

- *Nothing is lost.* A notice is written before anything is enqueued
  (``transaction.on_commit``). If the broker is down the row stays pending
  and every sweep enqueues the recipients whose notices have waited more
  than ``NOTICE_REQUEUE_AFTER_SECONDS``. A digest whose worker died
  (``sending`` for longer than ``NOTICE_CLAIM_TIMEOUT_SECONDS``, or a retry
  overdue by as long) is enqueued again by the sweep and taken over.
- *A row is sent by one claim only.* The conditional update hands each
  pending row to exactly one claim; a task delivered again (acks late) that
  finds its rows already ``sent`` sends nothing.
- *A crash mid-send completes the same email.* The task that claimed a
  digest, delivered again after a SIGKILL (same task id), or any task after
  the claim went stale, sends the *same* notices with the *same*
  Message-ID. If the process dies before the SMTP server accepted the
  message, exactly one email arrives. The one window SMTP cannot close is a
  death in the milliseconds between the server's "250 accepted" and the
  database commit: then the email is sent again, with the same Message-ID,
  which mail servers and clients use to drop the duplicate. We prefer that
  to the alternative (never retrying an interrupted send), which can lose a
  reminder.
- *SMTP failures retry with backoff*: ``NOTICE_MAX_ATTEMPTS`` tries, waiting
  ``NOTICE_RETRY_BASE_SECONDS`` × 1, 2, 4, 8 (4 + 8 + 16 + 32 minutes by
  default, about an hour; less than the broker's visibility timeout), then
  the digest and its notices are marked failed with the error. "Send again"
  in the admin puts failed notices back to pending and enqueues them.
- *Enqueueing never raises* into the caller (a web request, the sweep):
  broker errors are logged and the rows wait for the next sweep.

Another kind of reminder (e.g. the badge occasions of the awards app)
writes its own rows and reuses everything else::

    drafts = [
        Notice(
            recipient=user,
            topic=occasion,  # any model instance
            dedupe_key=f"badge:{occasion.pk}:{user.pk}:{occasion.day}",
            payload={"title": …, "organization": …, "due_on": "2025-09-02",
                     "path": "/awards/badges/…", "threshold": -30},
        ),
        …
    ]
    with transaction.atomic():
        enqueue_on_commit(write_notices(drafts))

The digest shows one line per topic (the notice with the highest
``threshold`` wins), with the organization, the title, the due date, the
days left or overdue and a link to ``PORTAL_BASE_URL + path``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import make_msgid
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from .models import Digest, DigestStatus, Notice, NoticeStatus, User

logger = logging.getLogger(__name__)

#: The errors a send may end with that are worth a retry: SMTP refusals
#: (smtplib.SMTPException is an OSError) and network trouble.
SEND_ERRORS: tuple[type[BaseException], ...] = (OSError,)

UNFINISHED = (DigestStatus.SENDING, DigestStatus.RETRYING)


# ---------------------------------------------------------------- writing


def write_notices(notices: Sequence[Notice]) -> set[int]:
    """Insert the notices that do not exist yet; return their recipients.

    Set-based: one read of the keys that already exist, one bulk insert
    that ignores a conflict with a concurrent writer. Call inside the
    writer's transaction, then ``enqueue_on_commit`` the result.
    """
    if not notices:
        return set()
    keys = {n.dedupe_key for n in notices}
    recipients = {n.recipient_id for n in notices}
    existing = set(
        Notice.objects.filter(
            recipient_id__in=recipients, dedupe_key__in=keys
        ).values_list("recipient_id", "dedupe_key")
    )
    fresh: dict[tuple[int, str], Notice] = {}
    for notice in notices:
        key = (notice.recipient_id, notice.dedupe_key)
        if key not in existing:
            fresh.setdefault(key, notice)
    Notice.objects.bulk_create(fresh.values(), ignore_conflicts=True, batch_size=500)
    return {recipient_id for recipient_id, _key in fresh}


# ---------------------------------------------------------------- enqueueing


def enqueue_digests(recipient_ids: Iterable[int]) -> int:
    """Ask a worker to send each recipient's digest; never raises.

    A fresh broker connection per batch (read from the settings at call
    time). When the broker is unreachable the error is logged and the
    notices stay pending: the next sweep enqueues them again.
    """
    from .celery import app
    from .tasks import send_digest

    ids = sorted(set(recipient_ids))
    if not ids:
        return 0
    sent = 0
    try:
        if app.conf.task_always_eager:
            for recipient_id in ids:
                send_digest.apply_async((recipient_id,))
                sent += 1
            return sent
        with app.connection_for_write() as connection:
            for recipient_id in ids:
                send_digest.apply_async(
                    (recipient_id,),
                    connection=connection,
                    retry=True,
                    retry_policy={
                        "max_retries": 2,
                        "interval_start": 0,
                        "interval_step": 0.5,
                        "interval_max": 1,
                    },
                )
                sent += 1
    except Exception:  # the broker (kombu OperationalError, redis errors) or eager run
        logger.exception(
            "Could not enqueue %d of %d reminder digests; the next sweep retries",
            len(ids) - sent,
            len(ids),
        )
    return sent


def enqueue_on_commit(recipient_ids: Iterable[int]) -> None:
    ids = set(recipient_ids)
    if ids:
        transaction.on_commit(lambda: enqueue_digests(ids))


def recipients_to_requeue(*, now: datetime | None = None) -> set[int]:
    """Recipients whose digest may have been lost on the way to a worker.

    Pending notices older than ``NOTICE_REQUEUE_AFTER_SECONDS`` (their task
    was never enqueued, or was lost) of recipients who have not had today's
    digest, and digests whose claim went stale (the worker died).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    waited = now - timedelta(seconds=settings.NOTICE_REQUEUE_AFTER_SECONDS)
    stale = now - timedelta(seconds=settings.NOTICE_CLAIM_TIMEOUT_SECONDS)
    sent_today = Digest.objects.filter(day=today, status=DigestStatus.SENT).values(
        "recipient_id"
    )
    pending = set(
        Notice.objects.filter(status=NoticeStatus.PENDING, created_at__lte=waited)
        .exclude(recipient_id__in=sent_today)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    lost = set(
        Digest.objects.filter(
            Q(status=DigestStatus.SENDING, claimed_at__lt=stale)
            | Q(status=DigestStatus.RETRYING, retry_at__lt=stale)
        ).values_list("recipient_id", flat=True)
    )
    return pending | lost


def release_stale_claims(*, now: datetime | None = None) -> int:
    """Put back to pending the notices claimed by no live digest.

    A digest that is still being sent (or waits for a retry) keeps its
    notices: it is taken over whole, with its Message-ID. Only a claim left
    without one (its digest gone, or a claim made outside a digest) older
    than ``NOTICE_CLAIM_TIMEOUT_SECONDS`` is released.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.NOTICE_CLAIM_TIMEOUT_SECONDS)
    return (
        Notice.objects.filter(status=NoticeStatus.SENDING, claimed_at__lt=stale)
        .exclude(digest__status__in=UNFINISHED)
        .update(status=NoticeStatus.PENDING, claim_token="", digest=None)
    )


def resend_failed(notice_ids: Iterable[int]) -> int:
    """Put failed notices back to pending and enqueue them ("send again").

    A recipient who already received today's digest gets them in
    tomorrow's: the one-email-a-day rule holds for resends too.
    """
    with transaction.atomic():
        ids = list(
            Notice.objects.filter(
                pk__in=list(notice_ids), status=NoticeStatus.FAILED
            ).values_list("pk", flat=True)
        )
        recipients = set(
            Notice.objects.filter(pk__in=ids).values_list("recipient_id", flat=True)
        )
        count = Notice.objects.filter(pk__in=ids, status=NoticeStatus.FAILED).update(
            status=NoticeStatus.PENDING, claim_token="", claimed_at=None, digest=None
        )
        enqueue_on_commit(recipients)
    return count


# ---------------------------------------------------------------- claiming


def claim_notices(
    recipient_id: int,
    *,
    token: str,
    digest: Digest | None = None,
    now: datetime | None = None,
) -> list[Notice]:
    """Claim the recipient's pending notices for one send; return them.

    The ``UPDATE … WHERE status = 'pending'`` is the claim: whoever runs it
    second finds the rows no longer pending and gets nothing.
    """
    now = now or timezone.now()
    ids = list(
        Notice.objects.filter(
            recipient_id=recipient_id, status=NoticeStatus.PENDING
        ).values_list("pk", flat=True)
    )
    if not ids:
        return []
    Notice.objects.filter(pk__in=ids, status=NoticeStatus.PENDING).update(
        status=NoticeStatus.SENDING, claim_token=token, claimed_at=now, digest=digest
    )
    return list(
        Notice.objects.filter(claim_token=token, status=NoticeStatus.SENDING).order_by(
            "pk"
        )
    )


def _is_stale(digest: Digest, now: datetime) -> bool:
    limit = now - timedelta(seconds=settings.NOTICE_CLAIM_TIMEOUT_SECONDS)
    if digest.status == DigestStatus.RETRYING:
        return digest.retry_at is not None and digest.retry_at < limit
    return digest.claimed_at < limit


def new_message_id() -> str:
    domain = urlparse(settings.PORTAL_BASE_URL).hostname or "localhost"
    return make_msgid(idstring="reminders", domain=domain)


def start_digest(
    recipient_id: int, *, task_id: str = "", now: datetime | None = None
) -> Digest | None:
    """Decide what this task sends, and claim it (see the module docstring).

    Returns the digest to send, or None when there is nothing for this task
    to do: no pending notices, today's digest already sent, or another live
    task is sending this recipient's digest.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        # Lock the recipient: the decisions below are taken one at a time.
        recipient = (
            User._base_manager.select_for_update().filter(pk=recipient_id).first()
        )
        if recipient is None:
            return None
        unfinished = (
            Digest.objects.select_for_update()
            .filter(recipient_id=recipient_id, status__in=UNFINISHED)
            .order_by("day")
            .first()
        )
        if unfinished is not None:
            mine = bool(task_id) and unfinished.task_id == task_id
            if not (mine or _is_stale(unfinished, now)):
                return None  # a live task is on it
            # Take over: the same notices, the same Message-ID.
            unfinished.status = DigestStatus.SENDING
            unfinished.task_id = task_id
            unfinished.claimed_at = now
            unfinished.retry_at = None
            unfinished.save(
                update_fields=["status", "task_id", "claimed_at", "retry_at"]
            )
            return unfinished
        if not (
            recipient.is_active and recipient.reminders_enabled and recipient.email
        ):
            Notice.objects.filter(
                recipient_id=recipient_id, status=NoticeStatus.PENDING
            ).update(status=NoticeStatus.CANCELLED)
            return None
        digest = (
            Digest.objects.select_for_update()
            .filter(recipient_id=recipient_id, day=today)
            .first()
        )
        if digest is not None and digest.status == DigestStatus.SENT:
            return None  # one email a day: the rest waits for tomorrow
        if digest is None:
            digest = Digest(recipient=recipient, day=today)
        # A new digest, or today's failed one given another go.
        digest.status = DigestStatus.SENDING
        digest.claim_token = uuid.uuid4().hex
        digest.message_id = new_message_id()
        digest.task_id = task_id
        digest.claimed_at = now
        digest.retry_at = None
        digest.attempts = 0
        digest.last_error = ""
        digest.sent_at = None
        digest.save()
        if not claim_notices(
            recipient_id, token=digest.claim_token, digest=digest, now=now
        ):
            transaction.set_rollback(True)
            return None
        return digest


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class DigestItem:
    organization: str
    title: str
    due_on: date | None
    status: str
    overdue: bool
    escalated: bool
    url: str


def _days_text(due_on: date | None, today: date) -> tuple[str, bool]:
    if due_on is None:
        return "", False
    days = (due_on - today).days
    if days > 0:
        return ngettext("%(days)d day left", "%(days)d days left", days) % {
            "days": days
        }, False
    if days == 0:
        return gettext("due today"), False
    return ngettext("%(days)d day overdue", "%(days)d days overdue", -days) % {
        "days": -days
    }, True


def digest_items(notices: Iterable[Notice], *, today: date) -> list[DigestItem]:
    """One line per topic (several thresholds of one milestone are one line).

    Call inside ``translation.override``: the texts are translated.
    """
    latest: dict[tuple[int, int], Notice] = {}
    for notice in notices:
        key = (notice.content_type_id, notice.object_id)
        kept = latest.get(key)
        rank = (notice.payload.get("threshold", 0), notice.pk)
        if kept is None or rank > (kept.payload.get("threshold", 0), kept.pk):
            latest[key] = notice
    items = []
    for notice in latest.values():
        payload = notice.payload
        due_on = (
            date.fromisoformat(payload["due_on"]) if payload.get("due_on") else None
        )
        status, overdue = _days_text(due_on, today)
        path = payload.get("path", "")
        items.append(
            DigestItem(
                organization=payload.get("organization", ""),
                title=payload.get("title", ""),
                due_on=due_on,
                status=status,
                overdue=overdue,
                escalated=bool(payload.get("escalated")),
                url=f"{settings.PORTAL_BASE_URL}{path}" if path else "",
            )
        )
    items.sort(
        key=lambda item: (item.due_on or date.max, item.organization, item.title)
    )
    return items


def build_digest_message(
    recipient: User,
    notices: Sequence[Notice],
    *,
    message_id: str,
    today: date | None = None,
) -> EmailMultiAlternatives:
    """The digest email: text and HTML, in the recipient's language."""
    today = today or timezone.localdate()
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        items = digest_items(notices, today=today)
        count = len(items)
        subject = ngettext(
            "%(count)d item due soon or overdue",
            "%(count)d items due soon or overdue",
            count,
        ) % {"count": count}
        context = {
            "recipient": recipient,
            "items": items,
            "count": count,
            "today": today,
            "base_url": settings.PORTAL_BASE_URL,
            "preferences_url": f"{settings.PORTAL_BASE_URL}{reverse('preferences')}",
            "subject": subject,
        }
        text = render_to_string("portal/email/digest.txt", context)
        html = render_to_string("portal/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[recipient.email],
        headers={"Message-ID": message_id},
    )
    message.attach_alternative(html, "text/html")
    return message


def deliver_digest(digest: Digest) -> int:
    """Send the digest's email (raises on SMTP failure); return its lines."""
    notices = list(
        Notice.objects.filter(
            claim_token=digest.claim_token, status=NoticeStatus.SENDING
        ).order_by("pk")
    )
    Digest.objects.filter(pk=digest.pk).update(attempts=F("attempts") + 1)
    if not notices:
        return 0
    Notice.objects.filter(pk__in=[n.pk for n in notices]).update(
        attempts=F("attempts") + 1
    )
    recipient = User._base_manager.get(pk=digest.recipient_id)
    message = build_digest_message(recipient, notices, message_id=digest.message_id)
    message.send(fail_silently=False)
    return len(notices)


def finish_digest(digest: Digest, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        Notice.objects.filter(
            claim_token=digest.claim_token, status=NoticeStatus.SENDING
        ).update(
            status=NoticeStatus.SENT,
            sent_at=now,
            message_id=digest.message_id,
            last_error="",
        )
        Digest.objects.filter(pk=digest.pk, claim_token=digest.claim_token).update(
            status=DigestStatus.SENT, sent_at=now, retry_at=None
        )


def record_failure(
    digest: Digest, error: BaseException, *, now: datetime | None = None
) -> float | None:
    """Note a failed attempt; return the countdown to the next, None if final."""
    now = now or timezone.now()
    text = f"{type(error).__name__}: {error}"[:2000]
    attempts = Digest.objects.filter(pk=digest.pk).values_list("attempts", flat=True)
    attempts = attempts.first() or 1
    with transaction.atomic():
        mine = Notice.objects.filter(
            claim_token=digest.claim_token, status=NoticeStatus.SENDING
        )
        if attempts >= settings.NOTICE_MAX_ATTEMPTS:
            mine.update(status=NoticeStatus.FAILED, last_error=text)
            Digest.objects.filter(pk=digest.pk).update(
                status=DigestStatus.FAILED, last_error=text, retry_at=None
            )
            logger.error("Reminder digest %s failed for good: %s", digest.pk, text)
            return None
        countdown = settings.NOTICE_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
        mine.update(last_error=text)
        Digest.objects.filter(pk=digest.pk).update(
            status=DigestStatus.RETRYING,
            last_error=text,
            retry_at=now + timedelta(seconds=countdown),
        )
    logger.warning(
        "Reminder digest %s: attempt %d failed (%s), next in %ss",
        digest.pk,
        attempts,
        text,
        countdown,
    )
    return countdown


def pending_recipients() -> list[int]:
    """Recipients who have pending notices (for a synchronous run)."""
    return sorted(
        set(
            Notice.objects.filter(status=NoticeStatus.PENDING).values_list(
                "recipient_id", flat=True
            )
        )
    )
