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


@shared_task(name="congresses.tasks.refresh_schedule_problems")
def refresh_schedule_problems(term_id: int | None = None) -> str:
    """Recompute the stored schedule problems (of a term, or of every term
    that has a plan): after a change too wide to redo in the request, and
    every night (``congresses.problems``)."""
    from committees.models import Term

    from .problems import refresh, refresh_all

    if term_id is None:
        return f"{refresh_all()} schedule problems"
    term = Term.objects.filter(pk=term_id).first()
    return f"{refresh(term) if term else 0} schedule problems"
