"""The reminder sweep: which milestones crossed which threshold, for whom.

``sweep_milestone_reminders`` runs from the beat task every
``REMINDER_SWEEP_MINUTES`` (and from ``manage.py send_reminders``). It
writes notice rows (the outbox of ``portal.notices``) in one transaction
and enqueues the recipients' digests once it commits.

Rules, each tested in ``tests/congresses/test_reminders*.py``:

- **Which milestones**: open ones (not done) of congresses that are not
  cancelled, due on or before today + the largest "days before" of any
  policy. The due-date window is filtered in SQL, so a sweep costs what the
  milestones that have crossed a threshold cost, not all milestones.
- **Thresholds**: those of the term plan's ``ReminderPolicy`` (the
  defaults, 14, 7 and 1 days before, the due date and every 7 days overdue,
  when the plan has none). **Catch-up**: every threshold crossed and not
  yet noticed gets its notice on the next sweep, once: a beat stopped for a
  day loses nothing. Several thresholds crossed while no sweep ran (or a
  milestone created late, inside its 14-day window) give a notice each, but
  they land in one digest and show as one line per milestone, with its
  current days left: no spam.
- **Unique** per (milestone, threshold, recipient, due date): the notice's
  ``dedupe_key`` is ``milestone:<id>:<threshold>:<due date>``, so a second
  sweep writes nothing.
- **Recipients**: Office users (active, with an email, reminders on) whose
  scope *is* the owning organization; from the first overdue threshold
  (1 or more days after the due date, e.g. +7) also those of its parent
  organization (escalation).
- **Rescheduling**: a milestone whose due date changed is reminded against
  its new date (new keys). "The same threshold" is the same offset from the
  due date (e.g. "7 days before"). A date change does not by itself repeat
  a reminder: a threshold the recipient was already reminded of for an
  earlier date, and that the new date had already reached on the day of
  the change, is not noticed again. Thresholds the new date reaches after
  the change are noticed as usual, once. So moving a date one day later
  right after the "7 days" reminder sends no second "7 days" reminder (the
  next one is "1 day"); moving it earlier never repeats one; extending a
  deadline by a month re-arms its 14/7/1-day reminders for the new date.
  The day of the change comes from the milestone's history.
- **Obsolete** pending notices (milestone done, congress cancelled, due date
  changed) are cancelled before they are sent.
- **Lost work**: pending notices older than ``NOTICE_REQUEUE_AFTER_SECONDS``
  (the broker was down) and digests whose worker died are enqueued again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from committees.models import Organization
from portal import notices as outbox
from portal.models import Notice, NoticeStatus, User
from portal.roles import Role

from .models import CongressStatus, Milestone, ReminderPolicy

logger = logging.getLogger(__name__)

#: Notices that told the recipient something (for the rescheduling rule).
TOLD = (NoticeStatus.SENT, NoticeStatus.SENDING)


@dataclass
class SweepResult:
    today: date
    written: int = 0
    recipients: set[int] = field(default_factory=set)
    cancelled: int = 0
    requeued: set[int] = field(default_factory=set)


def milestone_key(milestone_id: int, threshold: int, due_on: date) -> str:
    return f"milestone:{milestone_id}:{threshold}:{due_on.isoformat()}"


def parse_key(key: str) -> tuple[int, int, date] | None:
    parts = key.split(":")
    if len(parts) != 4 or parts[0] != "milestone":
        return None
    return int(parts[1]), int(parts[2]), date.fromisoformat(parts[3])


def _milestone_type() -> ContentType:
    return ContentType.objects.get_for_model(Milestone)


def _policy_of(milestone: Milestone, default: ReminderPolicy) -> ReminderPolicy:
    try:
        return milestone.congress.term.plan.reminder_policy
    except ObjectDoesNotExist:  # a term without a plan, a plan without a policy
        return default


def candidate_milestones(today: date) -> QuerySet[Milestone]:
    """Open milestones of live congresses that may have crossed a threshold."""
    horizons = [p.horizon_days for p in ReminderPolicy.objects.all()]
    horizon = max([*horizons, ReminderPolicy().horizon_days])
    return (
        Milestone.objects.open()
        .exclude(congress__status=CongressStatus.CANCELLED)
        .filter(due_on__lte=today + timedelta(days=horizon))
        .select_related(
            "owner",
            "congress__term__plan__reminder_policy",
        )
        .order_by("due_on", "pk")
    )


def _office_users(org_ids: set[int]) -> dict[int, list[User]]:
    users = (
        User._base_manager.filter(
            groups__name=Role.OFFICE,
            is_active=True,
            reminders_enabled=True,
            scope_id__in=org_ids,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    by_org: dict[int, list[User]] = defaultdict(list)
    for user in users:
        by_org[user.scope_id].append(user)
    return by_org


def plan_milestone_reminders(*, today: date | None = None) -> list[Notice]:
    """The notices a sweep would write now (unsaved), newest thresholds last.

    Leaves out notices that exist already and thresholds already told for an
    earlier due date (see the module docstring); writes nothing.
    """
    today = today or timezone.localdate()
    milestones = list(candidate_milestones(today))
    if not milestones:
        return []
    default_policy = ReminderPolicy()
    crossed: dict[int, list[int]] = {}
    for milestone in milestones:
        policy = _policy_of(milestone, default_policy)
        thresholds = policy.thresholds_crossed(milestone.due_on, today)
        if thresholds:
            crossed[milestone.pk] = thresholds
    milestones = [m for m in milestones if m.pk in crossed]
    if not milestones:
        return []

    # Parents of the owners, for escalation: by path, in one query.
    steplen = Organization.steplen
    parent_paths = {
        m.owner.path[:-steplen] for m in milestones if len(m.owner.path) > steplen
    }
    parent_of_path = dict(
        Organization.objects.filter(path__in=parent_paths).values_list("path", "pk")
    )
    org_ids = {m.owner_id for m in milestones} | set(parent_of_path.values())
    office = _office_users(org_ids)

    # What each recipient was already told about these milestones.
    milestone_type = _milestone_type()
    current_due = {m.pk: m.due_on for m in milestones}
    told: dict[tuple[int, int, int], bool] = {}
    told_on: dict[int, date] = {}
    existing_keys: set[tuple[int, str]] = set()
    for recipient_id, key, status, created_at in Notice.objects.filter(
        content_type=milestone_type, object_id__in=list(current_due)
    ).values_list("recipient_id", "dedupe_key", "status", "created_at"):
        existing_keys.add((recipient_id, key))
        parsed = parse_key(key)
        if parsed and status in TOLD and parsed[2] != current_due[parsed[0]]:
            milestone_id, threshold, _due_on = parsed
            told[(recipient_id, milestone_id, threshold)] = True
            day = timezone.localdate(created_at)
            told_on[milestone_id] = max(day, told_on.get(milestone_id, day))
    changed_on = _due_date_changed_on(
        {pk: due for pk, due in current_due.items() if pk in told_on}, told_on
    )

    planned: list[Notice] = []
    for milestone in milestones:
        owner_users = office.get(milestone.owner_id, [])
        parent_id = parent_of_path.get(milestone.owner.path[:-steplen])
        parent_users = office.get(parent_id, []) if parent_id else []
        for threshold in crossed[milestone.pk]:
            recipients = [(u, False) for u in owner_users]
            if threshold > 0:  # overdue: escalate to the parent's office
                recipients += [(u, True) for u in parent_users]
            key = milestone_key(milestone.pk, threshold, milestone.due_on)
            threshold_day = milestone.due_on + timedelta(days=threshold)
            for user, escalated in recipients:
                if (user.pk, key) in existing_keys:
                    continue
                if (
                    told.get((user.pk, milestone.pk, threshold))
                    and changed_on[milestone.pk] >= threshold_day
                ):
                    continue  # told for the earlier date, and still true
                existing_keys.add((user.pk, key))
                planned.append(
                    Notice(
                        recipient=user,
                        content_type=milestone_type,
                        object_id=milestone.pk,
                        dedupe_key=key,
                        payload={
                            "kind": "milestone",
                            "title": milestone.title,
                            "organization": milestone.owner.name,
                            "due_on": milestone.due_on.isoformat(),
                            "threshold": threshold,
                            "escalated": escalated,
                            "path": milestone.get_absolute_url(),
                        },
                    )
                )
    return planned


def _due_date_changed_on(
    current_due: dict[int, date], fallback: dict[int, date]
) -> dict[int, date]:
    """The day each milestone got its current due date, from its history.

    Without history rows (data loaded around the services) the last day a
    reminder was written for an earlier date stands in for it.
    """
    if not current_due:
        return {}
    changed = dict(fallback)
    rows = (
        Milestone.history.filter(id__in=list(current_due))
        .order_by("id", "-history_id")
        .values_list("id", "due_on", "history_date")
    )
    seen_other: set[int] = set()
    for milestone_id, due_on, when in rows:
        if milestone_id in seen_other:
            continue
        if due_on == current_due[milestone_id]:
            # Newest first: the oldest row of the current run is the change.
            changed[milestone_id] = timezone.localdate(when)
        else:
            seen_other.add(milestone_id)
    return changed


def cancel_obsolete_notices() -> int:
    """Cancel pending milestone notices that no longer hold.

    The milestone was done or deleted, its congress cancelled, or its due
    date changed (the new date gets notices of its own). Pending rows are
    few (they are sent within minutes), so this reads them all.
    """
    milestone_type = _milestone_type()
    pending = list(
        Notice.objects.filter(
            status=NoticeStatus.PENDING, content_type=milestone_type
        ).values_list("pk", "object_id", "dedupe_key")
    )
    if not pending:
        return 0
    state = {
        pk: (due_on, done_at, status)
        for pk, due_on, done_at, status in Milestone.objects.filter(
            pk__in={object_id for _pk, object_id, _key in pending}
        ).values_list("pk", "due_on", "done_at", "congress__status")
    }
    obsolete = []
    for pk, object_id, key in pending:
        parsed = parse_key(key)
        current = state.get(object_id)
        if (
            current is None
            or current[1] is not None
            or current[2] == CongressStatus.CANCELLED
            or (parsed is not None and parsed[2] != current[0])
        ):
            obsolete.append(pk)
    if not obsolete:
        return 0
    return Notice.objects.filter(pk__in=obsolete, status=NoticeStatus.PENDING).update(
        status=NoticeStatus.CANCELLED
    )


def sweep_milestone_reminders(
    *, today: date | None = None, enqueue: bool = True
) -> SweepResult:
    """Write the notices of every crossed threshold; enqueue the digests.

    ``enqueue=False`` (the management command) leaves sending to the caller.
    """
    today = today or timezone.localdate()
    result = SweepResult(today=today)
    with transaction.atomic():
        result.cancelled = cancel_obsolete_notices()
        planned = plan_milestone_reminders(today=today)
        result.recipients = outbox.write_notices(planned)
        result.written = len(planned)
        if enqueue:
            outbox.enqueue_on_commit(result.recipients)
    if enqueue:
        outbox.release_stale_claims()
        # After the commit: recipients whose earlier digest never left.
        result.requeued = outbox.recipients_to_requeue() - result.recipients
        outbox.enqueue_digests(result.requeued)
    logger.info(
        "Reminder sweep %s: %d notices for %d recipients, %d cancelled, %d requeued",
        today.isoformat(),
        result.written,
        len(result.recipients),
        result.cancelled,
        len(result.requeued),
    )
    return result


def notices_for_congress(congress) -> QuerySet[Notice]:
    """The reminders written about a congress's milestones, newest first."""
    return (
        Notice.objects.filter(
            content_type=_milestone_type(),
            object_id__in=Milestone.objects.filter(congress=congress).values("pk"),
        )
        .select_related("recipient")
        .order_by("-created_at", "-pk")
    )
