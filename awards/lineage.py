"""What a merged organization was awarded, shown in its successor's lineage.

Registered with ``committees.signals`` (committees does not import awards).
"""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext as _

from committees.signals import register_lineage_counter

from .models import Award


@register_lineage_counter
def award_counts(organization_ids: list[int]) -> tuple[str, dict[int, int]]:
    counts = (
        Award.objects.filter(organization_id__in=organization_ids)
        .values_list("organization_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return str(_("Awards")), dict(counts)
