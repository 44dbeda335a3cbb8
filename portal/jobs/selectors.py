"""Reads of the jobs, scoped: a user sees their own jobs (superusers all)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Job


def jobs_of(user: Any) -> QuerySet[Job]:
    """The jobs the user started, newest first (a superuser's own too)."""
    return Job.objects.visible_to(user).filter(owner=user).order_by("-created_at")
