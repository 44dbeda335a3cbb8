"""Celery tasks of the portal: sending the reminder digests.

Tasks take ids, call ``portal.notices`` and own their retries; the rules of
claiming and sending live in ``portal/notices.py``.
"""

from __future__ import annotations

from celery import shared_task

from . import notices


@shared_task(bind=True, acks_late=True, max_retries=None, name="portal.send_digest")
def send_digest(self, recipient_id: int) -> str:
    """Send one recipient's digest of pending notices (at most one a day).

    Acks late: a worker killed mid-send leaves the message to be delivered
    again, and the same task id takes its own claim over (same notices,
    same Message-ID). Retries keep the task id too.
    """
    digest = notices.start_digest(recipient_id, task_id=self.request.id or "")
    if digest is None:
        return "nothing to send"
    while True:
        try:
            lines = notices.deliver_digest(digest)
            break
        except notices.SEND_ERRORS as error:
            countdown = notices.record_failure(digest, error)
            if countdown is None:
                return "failed"
            if self.request.is_eager:
                continue  # run in-process (no worker to wait for): again now
            raise self.retry(countdown=countdown, exc=error) from error
    notices.finish_digest(digest)
    return f"sent {lines}"
