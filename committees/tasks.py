"""Celery tasks of the committees (on the beat): the daily overdue-transfer
reminder sweep, and the dated tallies' refresh."""

from __future__ import annotations

from celery import shared_task

from . import dated_tallies
from .transfer_reminders import sweep_transfer_reminders as sweep


@shared_task(name="committees.tasks.sweep_transfer_reminders")
def sweep_transfer_reminders() -> str:
    """Write the notices of transfers not accepted within 30 days."""
    result = sweep()
    return f"{result.written} transfer notices for {len(result.recipients)} recipients"


@shared_task(name="committees.tasks.refresh_dated_tallies")
def refresh_dated_tallies() -> str:
    """Count the anchor days a change dated back has reached, and the first
    day of a new month (``committees.dated_tallies``)."""
    days = dated_tallies.refresh()
    return f"{len(days)} anchor days counted"
