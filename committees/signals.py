"""Extension points of restructuring for the apps built on ``committees``.

Dependencies point one way: ``committees`` imports neither ``congresses``
nor ``awards``, yet a merger must close the congresses of the organizations
it ends, count their open milestones in the preview, and show on the
successor's page what its lineage held. Those apps plug in here, from their
``AppConfig.ready()``:

- ``organizations_restructured``: sent by every restructuring service
  inside its transaction, after the tree has changed and before the record
  is saved for good. Receivers act through their own services and return a
  dict of counts (``{"congresses_cancelled": 2}``) that goes into the
  restructuring's summary. An exception in a receiver undoes the whole
  restructuring. Arguments: ``restructuring``, ``acting_user``, ``ended``
  (organizations merged or dissolved), ``successors`` (ended organization
  id → what received its contents, or None), ``moved`` (organizations that
  changed parent).
- preview contributors: ``f(*, kind, ending, moving) -> [(label, count)]``,
  extra lines of the preview ("Open milestones: 12").
- lineage counters: ``f(organization_ids) -> (label, {id: count})``, what
  each merged organization held ("Congresses: 3"), one query per counter.
- summary labels: how the restructuring page names the counts a receiver
  put into the summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

organizations_restructured = Signal()


@dataclass(frozen=True)
class PreviewLine:
    key: str
    label: str
    count: int


PreviewContributor = Callable[..., Iterable[PreviewLine]]
LineageCounter = Callable[[list[int]], tuple[str, dict[int, int]]]

_preview_contributors: list[PreviewContributor] = []
_lineage_counters: list[LineageCounter] = []
summary_labels: dict[str, Any] = {}


def register_preview_contributor(func: PreviewContributor) -> PreviewContributor:
    """Add lines to every restructuring preview (usable as a decorator)."""
    if func not in _preview_contributors:
        _preview_contributors.append(func)
    return func


def register_lineage_counter(func: LineageCounter) -> LineageCounter:
    """Count what merged organizations held (usable as a decorator)."""
    if func not in _lineage_counters:
        _lineage_counters.append(func)
    return func


def contributed_lines(
    *, kind: str, ending: list[Any], moving: list[Any]
) -> list[PreviewLine]:
    lines: list[PreviewLine] = []
    for contributor in _preview_contributors:
        lines.extend(contributor(kind=kind, ending=ending, moving=moving))
    return lines


def lineage_counts(organization_ids: list[int]) -> list[tuple[str, dict[int, int]]]:
    if not organization_ids:
        return []
    return [counter(organization_ids) for counter in _lineage_counters]


def register_summary_labels(labels: dict[str, Any]) -> None:
    """Names (lazy translations) of summary keys a receiver writes."""
    summary_labels.update(labels)
