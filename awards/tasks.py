"""Celery tasks of the awards: the daily badge reminder sweep (on the beat).

Large exports run as background jobs through ``portal.jobs`` (their runner
is registered in ``awards/exports.py``), not as tasks of their own.
"""

from __future__ import annotations

from celery import shared_task

from .reminders import sweep_badge_reminders as sweep


@shared_task(name="awards.tasks.sweep_badge_reminders")
def sweep_badge_reminders() -> str:
    """Write the notices of the occasions whose reminder window holds today."""
    result = sweep()
    return f"{result.written} badge notices for {len(result.recipients)} recipients"
