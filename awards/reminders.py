"""The badge reminder: grassroots Emulation staff learn, a month ahead, which
of their members are due a party membership badge on the next occasion.

``sweep_badge_reminders`` runs daily from the beat (``awards.tasks``). It
writes notice rows (the outbox of ``portal.notices``) in one transaction and
enqueues the recipients' digests once it commits; the digest email lists
these lines beside the congress milestones.

Rules, each tested in ``tests/awards/test_badge_reminders.py``:

- **When**: for each national occasion (3/2, 19/5, 2/9, 7/11) from
  ``BADGE_REMINDER_DAYS`` (30) days before it until the day before it. A
  sweep missed on the first day catches up on the next; before the window
  nothing is written.
- **Who is due**: the awards selector ``badges_due`` for the occasion, as
  the badges page lists it by default (badges reached since the previous
  occasion; those reached earlier were due, and reminded, then), one query
  for the whole province. Members already in an open nomination for their
  badge are left out: there is nothing left to do for them.
- **Which organization**: each member's grassroots organization, the
  deepest grassroots committee or grassroots cell above (or at) the
  member's cell; for a cell directly under a commune or ward committee
  (since July 2025), that committee.
- **Recipients**: users holding the Emulation role whose scope *is* that
  organization, active, with reminders on and an email address.
- **Once**: the notice's ``dedupe_key`` is ``badges:<occasion>:<org id>``
  per recipient, so a second sweep writes nothing. An organization with
  nobody due gets nothing.

The notice's topic is the grassroots organization; its line says how many
members are due which badge, with their names (at most ``NAMES_LISTED``),
in the recipient's language, and links to the badges page of the occasion
for that organization.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext

from committees.models import GRASSROOTS_KINDS, Organization, OrganizationKind
from portal import notices as outbox
from portal.models import Notice, User
from portal.roles import Role

from . import selectors

logger = logging.getLogger(__name__)

#: Kinds of organization whose staff receive the badge reminder.
UNIT_KINDS = frozenset({*GRASSROOTS_KINDS, OrganizationKind.COMMUNE})

#: Names listed in one digest line; the rest are counted.
NAMES_LISTED = 30


@dataclass
class BadgeSweepResult:
    today: date
    occasions: list[date] = field(default_factory=list)
    written: int = 0
    recipients: set[int] = field(default_factory=set)


def badge_key(occasion: date, organization_id: int) -> str:
    return f"badges:{occasion.isoformat()}:{organization_id}"


def occasions_to_remind(today: date, days: int | None = None) -> list[date]:
    """Occasions whose reminder window holds ``today``: from ``days`` before
    the occasion to the day before it."""
    days = settings.BADGE_REMINDER_DAYS if days is None else days
    occasions = selectors.occasion_dates(today.year) + selectors.occasion_dates(
        today.year + 1
    )
    return [d for d in occasions if d - timedelta(days=days) <= today < d]


def _units_by_path(paths: set[str]) -> dict[str, Organization]:
    """The grassroots organizations above (or at) these organization paths,
    by path: one query over every ancestor path."""
    steplen = Organization.steplen
    prefixes = {
        path[:end] for path in paths for end in range(steplen, len(path) + 1, steplen)
    }
    return {
        o.path: o
        for o in Organization.objects.filter(path__in=prefixes, kind__in=UNIT_KINDS)
    }


def _unit_of(path: str, units: dict[str, Organization]) -> Organization | None:
    steplen = Organization.steplen
    for end in range(len(path), 0, -steplen):
        unit = units.get(path[:end])
        if unit is not None:
            return unit
    return None


def _emulation_staff(unit_ids: set[int]) -> dict[int, list[User]]:
    users = (
        User._base_manager.filter(
            groups__name=Role.EMULATION,
            is_active=True,
            reminders_enabled=True,
            scope_id__in=unit_ids,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    by_unit: dict[int, list[User]] = defaultdict(list)
    for user in users:
        by_unit[user.scope_id].append(user)
    return by_unit


def _title(occasion: date, due: dict[int, list[str]]) -> str:
    """``Party membership badges on 02/09/2025: 3 members due (30 years: …)``,
    in the active language."""
    count = sum(len(names) for names in due.values())
    head = ngettext(
        "Party membership badges on %(date)s: %(count)d member due",
        "Party membership badges on %(date)s: %(count)d members due",
        count,
    ) % {"date": occasion.strftime("%d/%m/%Y"), "count": count}
    parts = []
    listed = 0
    for years in sorted(due, reverse=True):
        names = due[years][: max(0, NAMES_LISTED - listed)]
        listed += len(names)
        if names:
            parts.append(
                gettext("%(years)d years: %(names)s")
                % {"years": years, "names": ", ".join(names)}
            )
    text = f"{head} ({'; '.join(parts)})" if parts else head
    if count > listed:
        text += " " + gettext("and %(more)d more") % {"more": count - listed}
    return text


def plan_badge_reminders(*, today: date | None = None) -> list[Notice]:
    """The notices a sweep would write now (unsaved); writes nothing."""
    today = today or timezone.localdate()
    planned: list[Notice] = []
    org_type = ContentType.objects.get_for_model(Organization)
    for occasion in occasions_to_remind(today):
        candidates = [
            c
            for c in selectors.badges_due(
                None, occasion=occasion, since=selectors.previous_occasion(occasion)
            )
            if c.open_nomination_id is None
        ]
        if not candidates:
            continue
        units = _units_by_path({c.organization_path for c in candidates})
        due: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
        unit_of: dict[int, Organization] = {}
        for candidate in candidates:
            unit = _unit_of(candidate.organization_path, units)
            if unit is None:
                continue
            unit_of[unit.pk] = unit
            due[unit.pk][candidate.badge_years].append(candidate.name)
        staff = _emulation_staff(set(due))
        path = reverse("awards:badges")
        for unit_id, by_years in due.items():
            unit = unit_of[unit_id]
            link = f"{path}?" + urlencode(
                {
                    "year": occasion.year,
                    "occasion": occasion.strftime("%m-%d"),
                    "org": unit_id,
                }
            )
            for user in staff.get(unit_id, []):
                with translation.override(user.language or settings.LANGUAGE_CODE):
                    title = _title(occasion, by_years)
                planned.append(
                    Notice(
                        recipient=user,
                        content_type=org_type,
                        object_id=unit_id,
                        dedupe_key=badge_key(occasion, unit_id),
                        payload={
                            "kind": "badges",
                            "title": title,
                            "organization": unit.name,
                            "due_on": occasion.isoformat(),
                            # The nearest occasion wins a shared line.
                            "threshold": -(occasion - today).days,
                            "path": link,
                            "members": sum(len(n) for n in by_years.values()),
                        },
                    )
                )
    if not planned:
        return []
    # Leave out what earlier sweeps wrote (write_notices would skip it too;
    # this keeps the count of a sweep honest).
    existing = set(
        Notice.objects.filter(
            content_type=org_type,
            dedupe_key__in={n.dedupe_key for n in planned},
        ).values_list("recipient_id", "dedupe_key")
    )
    return [n for n in planned if (n.recipient_id, n.dedupe_key) not in existing]


def sweep_badge_reminders(
    *, today: date | None = None, enqueue: bool = True
) -> BadgeSweepResult:
    """Write the badge notices due today (once each); enqueue the digests."""
    today = today or timezone.localdate()
    result = BadgeSweepResult(today=today, occasions=occasions_to_remind(today))
    if not result.occasions:
        return result
    with transaction.atomic():
        planned = plan_badge_reminders(today=today)
        result.recipients = outbox.write_notices(planned)
        result.written = len(planned)
        if enqueue:
            outbox.enqueue_on_commit(result.recipients)
    logger.info(
        "Badge reminder sweep %s: occasions %s, notices for %d recipients",
        today.isoformat(),
        ", ".join(d.isoformat() for d in result.occasions),
        len(result.recipients),
    )
    return result
