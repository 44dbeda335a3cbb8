"""Selectors of member transfers.

**Who sees a transfer**: whoever sees its sending organization or its
receiving one (``Transfer.objects.visible_to``). The receiving side thus
sees a pending transfer, and on its page the identity of the member it
must accept, but not the member's page nor any other member of the sender:
``Member`` stays scoped by the member's organization, which is the
sender's until the transfer is accepted. After acceptance the member is in
the receiver's scope like any other; after a return they never were.

**Destinations**: a sender chooses the receiving organization among every
active cell and grassroots cell of the portal, found by code or name
(``destination_search``). Outside the sender's scope, organizations are
shown by name and code (with their parent's name, to tell apart cells of
the same name) for this purpose only: nothing else about them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.access import is_in_scope, scope_path

from .models import (
    MEMBER_HOLDING_KINDS,
    Member,
    Organization,
    Transfer,
    TransferKind,
    TransferStatus,
)
from .selectors import history_rows
from .text import fold

TABS = ("incoming", "outgoing", "overdue")

#: Rows of the dashboard's overdue panel.
DASHBOARD_ROWS = 5


def _related(qs: QuerySet[Transfer]) -> QuerySet[Transfer]:
    return qs.select_related("member", "from_organization", "to_organization", "issuer")


def _side(user: Any, lookup: str) -> Q:
    """Transfers whose ``lookup`` organization lies in the user's scope."""
    prefix = scope_path(user)
    if prefix is None:
        return Q(pk__in=[])
    if prefix == "":
        return Q()
    return Q(**{f"{lookup}__path__startswith": prefix})


def transfer_list(
    user: Any,
    *,
    tab: str = "incoming",
    status: str = "",
    kind: str = "",
    q: str = "",
    today: date | None = None,
) -> QuerySet[Transfer]:
    """A tab of the transfer list: incoming (received in the scope),
    outgoing (sent from it) or overdue (either side, not accepted in time);
    filtered, newest first."""
    today = today or timezone.localdate()
    qs = Transfer.objects.visible_to(user)
    if tab == "outgoing":
        qs = qs.filter(_side(user, "from_organization"))
    elif tab == "overdue":
        qs = qs.overdue(today)
    else:
        qs = qs.filter(_side(user, "to_organization"))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    text = q.strip()
    if text:
        key = fold(text)
        qs = qs.filter(
            Q(member__search_key__contains=key)
            | Q(member__card_number=text)
            | Q(letter_number__iexact=text.replace(" ", ""))
        )
    order = ("due_on", "id") if tab == "overdue" else ("-created_at", "-id")
    return _related(qs).order_by(*order)


def tab_counts(user: Any, today: date | None = None) -> dict[str, int]:
    """Pending transfers of each tab (the badges on the tabs): one query."""
    from django.db.models import Count

    today = today or timezone.localdate()
    pending = Q(status=TransferStatus.ISSUED)
    return Transfer.objects.visible_to(user).aggregate(
        incoming=Count("pk", filter=pending & _side(user, "to_organization")),
        outgoing=Count("pk", filter=pending & _side(user, "from_organization")),
        overdue=Count("pk", filter=pending & Q(due_on__lt=today)),
    )


def transfer_for_page(user: Any, pk: int) -> Transfer:
    """A visible transfer with what its page shows, or DoesNotExist."""
    return (
        _related(Transfer.objects.visible_to(user))
        .select_related("issued_by", "decided_by", "member__organization")
        .get(pk=pk)
    )


def receiving_transfer(user: Any, pk: int) -> Transfer:
    """A transfer the user may accept or return: its destination is in the
    scope. DoesNotExist otherwise."""
    return (
        _related(Transfer.objects.visible_to(user))
        .filter(_side(user, "to_organization"))
        .get(pk=pk)
    )


def sending_transfer(user: Any, pk: int) -> Transfer:
    """A transfer the user may cancel: sent from the scope."""
    return (
        _related(Transfer.objects.visible_to(user))
        .filter(_side(user, "from_organization"))
        .get(pk=pk)
    )


def page_flags(user: Any, transfer: Transfer) -> dict[str, bool]:
    """What the transfer page lets the user see and do."""
    receives = is_in_scope(user, transfer.to_organization.path)
    sends = is_in_scope(user, transfer.from_organization.path)
    member_visible = is_in_scope(user, transfer.member.organization.path)
    pending = transfer.is_pending
    return {
        "receives": receives,
        "sends": sends,
        "member_visible": member_visible,
        # the identity a receiver needs to accept, while it is pending
        "show_identity": member_visible or (receives and pending),
        "can_decide": receives and pending,
        "can_cancel": sends and pending,
        "from_visible": sends,
        "to_visible": receives,
    }


def transfer_history(transfer: Transfer) -> list[dict[str, Any]]:
    return history_rows(transfer)


def member_transfers(user: Any, member: Member) -> list[Transfer]:
    """Every transfer of a member the user sees (their record's history),
    newest first, each knowing whether the user may open its page."""
    transfers = list(
        _related(Transfer.objects.filter(member=member)).order_by("-created_at", "-id")
    )
    prefix = scope_path(user)
    for transfer in transfers:
        transfer.visible = prefix is not None and (
            transfer.from_organization.path.startswith(prefix)
            or transfer.to_organization.path.startswith(prefix)
        )
    return transfers


def member_panel(user: Any, member: Member, today: date | None = None) -> dict:
    """The member page's transfers: all of them, the pending one (the member
    is "in transfer") and the temporary attendance running today. One
    query."""
    today = today or timezone.localdate()
    transfers = member_transfers(user, member)
    pending = next((t for t in transfers if t.is_pending), None)
    attending = next(
        (
            t
            for t in transfers
            if t.kind == TransferKind.TEMPORARY
            and t.status == TransferStatus.ACCEPTED
            and t.effective_on <= today <= t.ends_on
        ),
        None,
    )
    return {
        "transfers": transfers,
        "pending": pending,
        "attending": attending,
        "overdue": pending is not None and pending.is_overdue(today),
    }


def pending_transfer(member: Member) -> Transfer | None:
    return (
        _related(Transfer.objects.filter(member=member, status=TransferStatus.ISSUED))
        .order_by("-id")
        .first()
    )


def mark_in_transfer(members: list[Member]) -> list[Member]:
    """Set ``in_transfer`` on each member (a page of a list): one query."""
    ids = [m.pk for m in members]
    pending = (
        set(
            Transfer.objects.filter(
                member_id__in=ids, status=TransferStatus.ISSUED
            ).values_list("member_id", flat=True)
        )
        if ids
        else set()
    )
    for member in members:
        member.in_transfer = member.pk in pending
    return members


#: The cache version of the dashboards' overdue panels: every change of a
#: transfer moves it on (``forget_overdue_panels``), so that no panel shows a
#: decided transfer.
OVERDUE_VERSION_KEY = "overdue-transfers:version"


def forget_overdue_panels() -> None:
    """Drop every cached overdue panel (the transfer services call it once
    their change is committed)."""
    try:
        cache.incr(OVERDUE_VERSION_KEY)
    except ValueError:  # not in the cache (yet, or any more)
        cache.set(OVERDUE_VERSION_KEY, 1, None)


def overdue_for_dashboard(user: Any, today: date | None = None) -> dict[str, Any]:
    """The dashboard's overdue panel: how many transfers of the scope (either
    side) wait past their 30 days, and the oldest few. Two queries (the rows
    go through both sides' paths: 6 ms for a province at the nation's
    scale), kept in the cache as long as the dashboard's figures
    (``DASHBOARD_CACHE_SECONDS``) unless a transfer changes first."""
    today = today or timezone.localdate()
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        panel = _overdue_panel(user, today)
    else:
        version = cache.get_or_set(OVERDUE_VERSION_KEY, 0, None)
        key = f"overdue-transfers:{version}:{scope_path(user)}:{today.isoformat()}"
        panel = cache.get_or_set(key, lambda: _overdue_panel(user, today), seconds)
    for row in panel["rows"]:
        row.days_overdue = (today - row.due_on).days
    return panel


def _overdue_panel(user: Any, today: date) -> dict[str, Any]:
    qs = Transfer.objects.visible_to(user).overdue(today)
    rows = list(_related(qs).order_by("due_on", "id")[:DASHBOARD_ROWS])
    count = len(rows) if len(rows) < DASHBOARD_ROWS else qs.count()
    return {"count": count, "rows": rows}


# ---------------------------------------------------------------- destinations


def destination_search(text: str, *, limit: int = 20) -> list[Organization]:
    """Active cells and grassroots cells of the whole portal whose code or
    name matches (see the module docstring), each with ``parent_name``: two
    queries."""
    text = (text or "").strip()
    if not text:
        return []
    key = fold(text)
    code = text.upper()
    found = list(
        Organization.objects.active()
        .filter(kind__in=MEMBER_HOLDING_KINDS)
        .filter(Q(code__startswith=code) | Q(search_key__contains=key))
        .only("pk", "name", "code", "path", "depth", "kind", "status")
        .order_by("code")[:limit]
    )
    parents = {
        o.path: o.name
        for o in Organization.objects.filter(
            path__in={o.parent_path for o in found if o.depth > 1}
        ).only("path", "name")
    }
    for organization in found:
        organization.parent_name = parents.get(organization.parent_path, "")
    return found


def destination_queryset() -> QuerySet[Organization]:
    """What the issue form accepts as a destination (by code): any active
    cell or grassroots cell, inside the scope or not."""
    return Organization.objects.active().filter(kind__in=MEMBER_HOLDING_KINDS)
