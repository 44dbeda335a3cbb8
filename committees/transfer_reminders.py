"""The overdue-transfer reminder: both sides of a transfer letter not
accepted within 30 days hear of it in their daily digest.

``sweep_transfer_reminders`` runs daily from the beat
(``committees.tasks``). It writes notice rows (the outbox of
``portal.notices``) in one transaction and enqueues the recipients' digests
once it commits.

Rules, each tested in ``tests/committees/test_transfers_overdue.py``:

- **Which transfers**: awaiting acceptance (issued), official or temporary,
  whose ``due_on`` (the letter date + 30 days) is before today.
- **Thresholds**: the first day overdue, then every ``REPEAT_DAYS`` (7)
  days: 1, 8, 15, … days overdue. A sweep writes the latest threshold
  reached; a sweep missed for a few days loses nothing (the next one
  writes the threshold reached by then), and thresholds skipped meanwhile
  are not sent late, since they would say less than the latest.
- **Recipients**: on each side (the sending organization and the receiving
  one), the Organization board users (active, reminders on, with an email
  address) of the *nearest* organization above or at that side's cell that
  has any: usually the grassroots organization's staff; a district's staff
  when its grassroots organizations have no accounts. A province's staff
  are not told of every transfer of the province.
- **Once**: the notice's ``dedupe_key`` is ``transfer:<id>:<threshold>``,
  unique per recipient, so a second sweep the same day writes nothing.
- **Obsolete** pending notices (the transfer was accepted, returned or
  cancelled meanwhile) are cancelled before they are sent.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from portal import notices as outbox
from portal.models import Notice, NoticeStatus, User
from portal.roles import Role

from .models import Organization, Transfer, TransferStatus

logger = logging.getLogger(__name__)

#: After the first overdue day, a reminder every this many days.
REPEAT_DAYS = 7


@dataclass
class TransferSweepResult:
    today: date
    overdue: int = 0
    written: int = 0
    cancelled: int = 0
    recipients: set[int] = field(default_factory=set)


def threshold_for(days_overdue: int) -> int | None:
    """The latest threshold reached: 1, 8, 15, … days overdue."""
    if days_overdue < 1:
        return None
    return 1 + REPEAT_DAYS * ((days_overdue - 1) // REPEAT_DAYS)


def transfer_key(transfer_id: int, threshold: int) -> str:
    return f"transfer:{transfer_id}:{threshold}"


def _chain(path: str) -> list[str]:
    """The path and its ancestors' paths, deepest first."""
    steplen = Organization.steplen
    return [path[:end] for end in range(len(path), 0, -steplen)]


def _board_users(paths: set[str]) -> dict[str, list[User]]:
    """Organization board users scoped exactly at these paths: one query."""
    users = (
        User._base_manager.filter(
            groups__name=Role.ORGANIZATION_BOARD,
            is_active=True,
            reminders_enabled=True,
            scope__path__in=paths,
        )
        .exclude(email="")
        .select_related("scope")
        .distinct()
        .order_by("pk")
    )
    by_path: dict[str, list[User]] = defaultdict(list)
    for user in users:
        by_path[user.scope.path].append(user)
    return by_path


def _nearest(path: str, by_path: dict[str, list[User]]) -> list[User]:
    for ancestor in _chain(path):
        if by_path.get(ancestor):
            return by_path[ancestor]
    return []


def _title(transfer: Transfer, days: int) -> str:
    return ngettext(
        "Transfer of %(member)s from %(from)s to %(to)s (letter %(number)s of "
        "%(date)s) not accepted: %(days)d day overdue",
        "Transfer of %(member)s from %(from)s to %(to)s (letter %(number)s of "
        "%(date)s) not accepted: %(days)d days overdue",
        days,
    ) % {
        "member": transfer.member.full_name,
        "from": transfer.from_organization.name,
        "to": transfer.to_organization.name,
        "number": transfer.letter_number,
        "date": transfer.letter_date.strftime("%d/%m/%Y"),
        "days": days,
    }


def plan_transfer_reminders(*, today: date | None = None) -> list[Notice]:
    """The notices a sweep would write now (unsaved); writes nothing."""
    today = today or timezone.localdate()
    overdue = list(
        Transfer.objects.overdue(today)
        .select_related("member", "from_organization", "to_organization")
        .order_by("due_on", "pk")
    )
    if not overdue:
        return []
    paths = set()
    for transfer in overdue:
        paths.update(_chain(transfer.from_organization.path))
        paths.update(_chain(transfer.to_organization.path))
    by_path = _board_users(paths)
    content_type = ContentType.objects.get_for_model(Transfer)
    planned: list[Notice] = []
    for transfer in overdue:
        days = (today - transfer.due_on).days
        threshold = threshold_for(days)
        sides = (
            (transfer.from_organization, "sending"),
            (transfer.to_organization, "receiving"),
        )
        told: set[int] = set()
        for organization, side in sides:
            for user in _nearest(organization.path, by_path):
                if user.pk in told:  # staff who see both sides: one notice
                    continue
                told.add(user.pk)
                with translation.override(user.language or settings.LANGUAGE_CODE):
                    title = _title(transfer, days)
                planned.append(
                    Notice(
                        recipient=user,
                        content_type=content_type,
                        object_id=transfer.pk,
                        dedupe_key=transfer_key(transfer.pk, threshold),
                        payload={
                            "kind": "transfer",
                            "side": side,
                            "title": title,
                            "organization": organization.name,
                            "due_on": transfer.due_on.isoformat(),
                            "threshold": threshold,
                            "path": reverse(
                                "committees:transfer_detail", args=[transfer.pk]
                            ),
                        },
                    )
                )
    if not planned:
        return []
    existing = set(
        Notice.objects.filter(
            content_type=content_type,
            dedupe_key__in={n.dedupe_key for n in planned},
        ).values_list("recipient_id", "dedupe_key")
    )
    return [n for n in planned if (n.recipient_id, n.dedupe_key) not in existing]


def cancel_obsolete() -> int:
    """Cancel pending notices of transfers no longer awaiting acceptance."""
    content_type = ContentType.objects.get_for_model(Transfer)
    decided = Transfer.objects.exclude(status=TransferStatus.ISSUED).values("pk")
    return Notice.objects.filter(
        content_type=content_type,
        status=NoticeStatus.PENDING,
        object_id__in=decided,
    ).update(status=NoticeStatus.CANCELLED)


def sweep_transfer_reminders(
    *, today: date | None = None, enqueue: bool = True
) -> TransferSweepResult:
    """Write the overdue-transfer notices due today (once each); enqueue the
    digests."""
    today = today or timezone.localdate()
    result = TransferSweepResult(today=today)
    with transaction.atomic():
        result.cancelled = cancel_obsolete()
        planned = plan_transfer_reminders(today=today)
        result.overdue = len({n.object_id for n in planned})
        result.recipients = outbox.write_notices(planned)
        result.written = len(planned)
        if enqueue:
            outbox.enqueue_on_commit(result.recipients)
    logger.info(
        "Transfer reminder sweep %s: %d notices for %d recipients, %d cancelled",
        today.isoformat(),
        result.written,
        len(result.recipients),
        result.cancelled,
    )
    return result
