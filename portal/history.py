"""Who changed what: attach the actor and a reason to django-simple-history.

Inside a web request the history middleware already knows the user; services
also run from commands and tasks, so they name the actor explicitly.
"""

from __future__ import annotations

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
    returns them; no query is made here.
    """
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        changes = []
        if older is not None:
            delta = newer.diff_against(older)
            for change in delta.changes:
                field = newer.instance_type._meta.get_field(change.field)
                changes.append(
                    {
                        "field": field.verbose_name,
                        "old": _display(field, change.old),
                        "new": _display(field, change.new),
                    }
                )
        entries.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "type": newer.get_history_type_display(),
                "kind": newer.history_type,
                "reason": newer.history_change_reason or "",
                "changes": changes,
            }
        )
    return entries


def _display(field: Any, value: Any) -> Any:
    if value is None or value == "":
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value
