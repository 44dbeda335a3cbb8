"""Who changed what: attach the actor and a reason to django-simple-history.

Inside a web request the history middleware already knows the user; services
also run from commands and tasks, so they name the actor explicitly.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def attribute(instance: Any, acting_user: Any, reason: str = "") -> Any:
    """Mark the next history row of ``instance`` with its actor and reason."""
    if acting_user is not None and getattr(acting_user, "pk", None):
        instance._history_user = acting_user
    if reason:
        instance._change_reason = reason[:100]
    return instance


def diff_rows(records: list[Any]) -> list[dict[str, Any]]:
    """Readable changes between consecutive history rows, newest first.

    ``records`` are history rows ordered newest first, as simple-history
    returns them. Foreign keys are shown by name: the objects they point to
    are read with one query per related model, whatever the number of rows.
    """
    pairs = []
    wanted: dict[Any, set[Any]] = defaultdict(set)
    for newer, older in zip(records, [*records[1:], None], strict=True):
        changes = []
        if older is not None:
            for change in newer.diff_against(older).changes:
                field = newer.instance_type._meta.get_field(change.field)
                changes.append((field, change.old, change.new))
                if field.is_relation and field.many_to_one:
                    wanted[field.related_model].update(
                        v for v in (change.old, change.new) if v is not None
                    )
        pairs.append((newer, changes))
    names = {
        model: {pk: str(obj) for pk, obj in model._default_manager.in_bulk(pks).items()}
        for model, pks in wanted.items()
    }
    return [
        {
            "when": newer.history_date,
            "who": newer.history_user,
            "type": newer.get_history_type_display(),
            "kind": newer.history_type,
            "reason": newer.history_change_reason or "",
            "changes": [
                {
                    "field": field.verbose_name,
                    "old": _display(field, old, names),
                    "new": _display(field, new, names),
                }
                for field, old, new in changes
            ],
        }
        for newer, changes in pairs
    ]


def _display(field: Any, value: Any, names: dict[Any, dict[Any, str]]) -> Any:
    if value is None or value == "":
        return "—"
    if field.is_relation and field.many_to_one:
        return names.get(field.related_model, {}).get(value, f"#{value}")
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value
