"""Celery tasks of the committees: the daily overdue-transfer reminder sweep
(on the beat)."""

from __future__ import annotations

from celery import shared_task

from .transfer_reminders import sweep_transfer_reminders as sweep


@shared_task(name="committees.tasks.sweep_transfer_reminders")
def sweep_transfer_reminders() -> str:
    """Write the notices of transfers not accepted within 30 days."""
    result = sweep()
    return f"{result.written} transfer notices for {len(result.recipients)} recipients"
