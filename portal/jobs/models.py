"""Jobs (long work of a user, run by Celery) and the record of exports."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


#: States after which a job changes no more.
FINISHED = (JobStatus.DONE, JobStatus.FAILED)


class JobQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> JobQuerySet:
        """A user sees the jobs they started; a superuser sees all."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(owner=user)


def job_file_path(job: Job, filename: str) -> str:
    # One folder per job: the file keeps its readable name for the download.
    return f"jobs/{timezone.now():%Y/%m}/{job.pk or 'new'}/{filename}"


class Job(models.Model):
    """A background job: who started it, what it does, how far it is."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    kind = models.CharField(_("kind"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus, default=JobStatus.QUEUED
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    phase = models.CharField(_("step"), max_length=32, blank=True)
    done = models.PositiveIntegerField(_("rows done"), default=0)
    total = models.PositiveIntegerField(_("rows in all"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    enqueued_at = models.DateTimeField(
        _("handed to a worker at"),
        null=True,
        blank=True,
        help_text=_("Empty while the task queue could not be reached."),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    phase_started_at = models.DateTimeField(_("step started at"), null=True, blank=True)
    progress_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.FileField(
        _("result file"), upload_to=job_file_path, max_length=255, blank=True
    )
    error = models.TextField(_("error"), blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_idx"),
            # The sweep's scan: queued jobs by age.
            models.Index(
                fields=["created_at"],
                condition=Q(status="queued"),
                name="job_queued_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:job_detail", args=[self.pk])

    @property
    def label(self) -> str:
        from .registry import kind_label

        return str(kind_label(self.kind))

    @property
    def download_name(self) -> str:
        """The name the result file is downloaded under."""
        return PurePosixPath(self.result_file.name).name if self.result_file else ""

    @property
    def phase_label(self) -> str:
        from .registry import phase_label

        return str(phase_label(self.phase)) if self.phase else ""

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def rows_per_second(self) -> float | None:
        """Rows of the current step per second, from the last progress."""
        start = self.phase_started_at or self.started_at
        end = self.finished_at if self.is_finished else self.progress_at
        if not (start and end and self.done):
            return None
        seconds = (end - start).total_seconds()
        return self.done / seconds if seconds > 0 else None

    @property
    def duration(self) -> float | None:
        if not self.started_at:
            return None
        end = self.finished_at or timezone.now()
        return (end - self.started_at).total_seconds()


class ExportRecord(models.Model):
    """Who exported what, and when: member data is confidential."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # Kept as text too: the record outlives a deleted account or scope.
    username = models.CharField(_("user name"), max_length=150)
    scope = models.CharField(_("scope"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True)
    kind = models.CharField(_("what"), max_length=64)
    format = models.CharField(_("format"), max_length=8)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"))
    job = models.ForeignKey(
        Job,
        verbose_name=_("background job"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at"], name="export_created_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.kind} ({self.format}, {self.row_count})"
