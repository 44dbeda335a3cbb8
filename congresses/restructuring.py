"""Congresses and milestones through a restructuring of organizations.

``committees`` knows nothing of congresses: it sends
``organizations_restructured`` inside the restructuring's transaction and
asks for preview lines and lineage counts (``committees.signals``); this
module answers, through the congresses services, and is connected from
``CongressesConfig.ready()``.

- An organization that ends (merged or dissolved): its planned and
  preparing congresses are cancelled, the restructuring given as the
  reason; the open items of its congresses that were already held are
  closed with a note. Either way no reminder goes out for them any more
  (the sweep reminds only open items of congresses that are not cancelled).
- Items owned by an organization that ended, or by a superior that is no
  longer above the organization holding the congress (it moved), pass to
  that organization's superior now: the one that owns superior items.
- The preview counts the congresses to cancel and the open items; the
  lineage of a successor counts each merged organization's congresses.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committees.models import Organization
from committees.signals import (
    PreviewLine,
    organizations_restructured,
    register_lineage_counter,
    register_preview_contributor,
    register_summary_labels,
)

from . import services
from .models import Congress, CongressStatus, Milestone

#: Congresses that a restructuring cancels (held ones are history).
CANCELLABLE = (CongressStatus.PLANNED, CongressStatus.PREPARING)

register_summary_labels(
    {
        "congresses_cancelled": gettext_lazy("Congresses cancelled"),
        "milestones_closed": gettext_lazy("Congress items closed"),
        "milestones_reassigned": gettext_lazy("Congress items passed to a superior"),
    }
)


def _open_items() -> Any:
    return Milestone.objects.open().exclude(congress__status=CongressStatus.CANCELLED)


@register_preview_contributor
def preview_lines(*, kind: str, ending: list, moving: list) -> list[PreviewLine]:
    if not ending and not moving:
        return []
    congresses = Congress.objects.filter(
        organization__in=ending, status__in=CANCELLABLE
    ).count()
    items = (
        _open_items()
        .filter(Q(congress__organization__in=ending) | Q(owner__in=ending))
        .count()
    )
    return [
        PreviewLine("congresses", _("Congresses cancelled"), congresses),
        PreviewLine("milestones", _("Open congress items"), items),
    ]


@register_lineage_counter
def congress_counts(organization_ids: list[int]) -> tuple[str, dict[int, int]]:
    rows = (
        Congress.objects.filter(organization_id__in=organization_ids)
        .values_list("organization_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return str(_("Congresses")), dict(rows)


@receiver(organizations_restructured, dispatch_uid="congresses.restructuring")
def close_and_pass_on(
    sender: Any,
    *,
    restructuring: Any,
    acting_user: Any,
    ended: list[Organization],
    moved: list[Organization],
    **kwargs: Any,
) -> dict[str, int]:
    reason = str(restructuring)
    cancelled = closed = reassigned = 0
    for congress in Congress.objects.filter(
        organization__in=ended, status__in=CANCELLABLE
    ):
        services.cancel_congress(
            acting_user=acting_user, congress=congress, reason=reason
        )
        cancelled += 1
    note = _("Closed: %(restructuring)s") % {"restructuring": reason}
    for item in _open_items().filter(congress__organization__in=ended):
        services.mark_milestone_done(
            acting_user=acting_user, milestone=item, note=note[:255]
        )
        closed += 1
    stranded = (
        _open_items()
        .filter(Q(owner__in=ended) | Q(congress__organization__in=moved))
        .exclude(congress__organization__in=ended)
        .select_related("owner", "congress__organization")
    )
    for item in stranded:
        holder = item.congress.organization
        owner = item.owner
        superior = Organization.objects.filter(path=holder.parent_path).first()
        still_valid = owner.is_active and (
            owner.pk == holder.pk
            or owner.path.startswith(holder.path)
            or (superior is not None and owner.pk == superior.pk)
        )
        if still_valid:
            continue
        if superior is not None and superior.is_active:
            services.update_milestone(
                acting_user=acting_user, milestone=item, owner=superior
            )
            reassigned += 1
        else:
            services.mark_milestone_done(
                acting_user=acting_user, milestone=item, note=note[:255]
            )
            closed += 1
    return {
        "congresses_cancelled": cancelled,
        "milestones_closed": closed,
        "milestones_reassigned": reassigned,
    }
