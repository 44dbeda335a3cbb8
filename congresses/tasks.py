"""Celery tasks of the congresses: the reminder sweep (on the beat)."""

from __future__ import annotations

from celery import shared_task

from .reminders import sweep_milestone_reminders


@shared_task(name="congresses.tasks.sweep_reminders")
def sweep_reminders() -> str:
    """Write the notices of the thresholds crossed since the last sweep."""
    result = sweep_milestone_reminders()
    return (
        f"{result.written} notices for {len(result.recipients)} recipients, "
        f"{len(result.requeued)} requeued"
    )
