"""Starting, running and ending background jobs; recording exports.

The life of a job:

1. ``start_job`` writes the row (queued) and, once the transaction commits,
   hands it to a Celery worker (``enqueue_job``). When the broker cannot be
   reached the job stays queued with no ``enqueued_at``: the page says so
   and the sweep (``requeue_jobs``, every few minutes) hands it over again.
   With ``inline=True`` (small inputs) or CELERY_TASK_ALWAYS_EAGER it runs
   in the calling process instead.
2. ``run_job`` claims it with a conditional UPDATE (queued -> running; a
   running job whose progress went stale, i.e. whose worker died, may be
   claimed again), then calls the runner registered for its kind.
3. The runner reports progress (``report_progress``: at most one write a
   second) and returns its result; ``finish_job``/``fail_job`` end it.

Progress written while the runner is inside its own transaction would stay
invisible to the page until the commit; on PostgreSQL it is written through
a second connection instead (SQLite has one writer at a time, so there the
last figures show at the commit).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import ExportRecord, Job, JobStatus
from .registry import get_kind

logger = logging.getLogger(__name__)

#: Seconds between two progress writes of one job.
PROGRESS_SECONDS = 1.0


class JobFailed(Exception):
    """Raised by a runner to end its job as failed with a result to show.

    ``message`` is shown to the user; ``result`` (a dict) is kept on the
    job like a successful result, e.g. the report of the bad rows.
    """

    def __init__(self, message: str, result: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result or {}


# ---------------------------------------------------------------- starting


def start_job(
    *,
    acting_user: Any,
    kind: str,
    params: dict[str, Any],
    total: int = 0,
    inline: bool = False,
) -> Job:
    """Create a job and have it run: by a worker, or here when ``inline``."""
    get_kind(kind)  # an unknown kind is a programming error: fail loudly now
    with transaction.atomic():
        job = Job.objects.create(
            owner=acting_user, kind=kind, params=params, total=total
        )
        if not inline:
            job_id = job.pk
            transaction.on_commit(lambda: enqueue_job(job_id))
    if inline:
        run_job(job.pk)
    job.refresh_from_db()
    return job


def enqueue_job(job_id: int) -> bool:
    """Hand a job to a worker; never raises.

    Returns False when the broker could not be reached: the job stays
    queued (``enqueued_at`` empty) and ``requeue_jobs`` tries again.
    """
    from portal.celery import app

    from .tasks import run_job as run_job_task

    Job.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    try:
        if app.conf.task_always_eager:
            run_job_task.apply_async((job_id,))
            return True
        with app.connection_for_write() as broker:
            run_job_task.apply_async(
                (job_id,),
                connection=broker,
                retry=True,
                retry_policy={
                    "max_retries": 2,
                    "interval_start": 0,
                    "interval_step": 0.5,
                    "interval_max": 1,
                },
            )
        return True
    except Exception:  # the broker (kombu OperationalError, redis errors)
        logger.exception("Could not hand job %s to a worker; it stays queued", job_id)
        Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(enqueued_at=None)
        return False


def waits_for_broker(job: Job) -> bool:
    """True when the job is queued because the task queue was unreachable."""
    return job.status == JobStatus.QUEUED and job.enqueued_at is None


# ---------------------------------------------------------------- running


def run_job(job_id: int) -> Job | None:
    """Claim the job and run it; None when someone else has it (or had it)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    claimed = (
        Job.objects.filter(pk=job_id)
        .filter(
            Q(status=JobStatus.QUEUED)
            | Q(status=JobStatus.RUNNING, progress_at__lt=stale)
        )
        .update(
            status=JobStatus.RUNNING,
            started_at=now,
            phase_started_at=now,
            progress_at=now,
            done=0,
            phase="",
            error="",
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    job = Job.objects.select_related("owner").get(pk=job_id)
    job.__dict__["_started_in_transaction"] = connection.in_atomic_block
    kind = get_kind(job.kind)
    owner = job.owner
    # Messages of the report are written in the owner's language.
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        try:
            if not owner.is_active or (kind.perms and not owner.has_perms(kind.perms)):
                raise PermissionDenied
            result = kind.runner(job)
        except JobFailed as failure:
            fail_job(job, failure.message, result=failure.result)
        except ValidationError as error:
            fail_job(job, " ".join(error.messages))
        except PermissionDenied:
            fail_job(job, _("You no longer hold the permission this job needs."))
        except Exception:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
            fail_job(
                job,
                _(
                    "The job stopped on an unexpected error; the administrators "
                    "find the details in the server log."
                ),
            )
        else:
            finish_job(job, result or {})
    return job


def report_progress(
    job: Job,
    done: int,
    total: int | None = None,
    *,
    phase: str | None = None,
    force: bool = False,
) -> bool:
    """Record how far the job is; cheap to call for every batch.

    Writes at most once per PROGRESS_SECONDS unless the step (``phase``)
    changes or ``force`` is given. Returns True when it wrote.
    """
    state = job.__dict__.setdefault("_progress_state", {"at": 0.0})
    now = time.monotonic()
    phase_changed = phase is not None and phase != job.phase
    if not (force or phase_changed or now - state["at"] >= PROGRESS_SECONDS):
        return False
    state["at"] = now
    values: dict[str, Any] = {"done": done, "progress_at": timezone.now()}
    if total is not None:
        values["total"] = total
    if phase_changed:
        values["phase"] = phase
        values["phase_started_at"] = values["progress_at"]
    for name, value in values.items():
        setattr(job, name, value)
    _write_progress(job, values)
    return True


def _write_progress(job: Job, values: dict[str, Any]) -> None:
    # Beside the transaction only when the runner opened it: a job row
    # written inside a caller's own transaction is invisible to others.
    opened_by_runner = not job.__dict__.get("_started_in_transaction", True)
    if not (
        opened_by_runner
        and connection.in_atomic_block
        and connection.vendor == "postgresql"
    ):
        Job.objects.filter(pk=job.pk).update(**values)
        return
    # Inside the runner's transaction: write beside it, so the page sees it.
    side = job.__dict__.get("_side_connection")
    if side is None:
        side = connections.create_connection(DEFAULT_DB_ALIAS)
        job.__dict__["_side_connection"] = side
    fields = [Job._meta.get_field(name) for name in values]
    quote = side.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    params = [f.get_db_prep_save(values[f.name], side) for f in fields]
    try:
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(Job._meta.db_table)} SET {assignments} "
                f"WHERE {quote(Job._meta.pk.column)} = %s",
                [*params, job.pk],
            )
    except Exception:  # progress is a courtesy: never fail the job for it
        logger.warning("Could not record the progress of job %s", job.pk)


def _close_side_connection(job: Job) -> None:
    side = job.__dict__.pop("_side_connection", None)
    if side is not None:
        side.close()


def attach_file(job: Job, filename: str, content: IO[bytes] | Path) -> None:
    """Keep a file as the job's result (under MEDIA_ROOT/jobs/)."""
    if isinstance(content, Path):
        with content.open("rb") as handle:
            job.result_file.save(filename, File(handle), save=False)
    else:
        job.result_file.save(filename, File(content), save=False)
    Job.objects.filter(pk=job.pk).update(result_file=job.result_file.name)


def finish_job(job: Job, result: dict[str, Any]) -> None:
    _close_side_connection(job)
    now = timezone.now()
    values = {
        "status": JobStatus.DONE,
        "finished_at": now,
        "progress_at": now,
        "result": result,
        "done": max(job.done, job.total),
    }
    Job.objects.filter(pk=job.pk).update(**values)
    for name, value in values.items():
        setattr(job, name, value)


def fail_job(job: Job, message: str, *, result: dict[str, Any] | None = None) -> None:
    _close_side_connection(job)
    now = timezone.now()
    values = {
        "status": JobStatus.FAILED,
        "finished_at": now,
        "progress_at": now,
        "error": message,
        "result": result or {},
    }
    Job.objects.filter(pk=job.pk).update(**values)
    for name, value in values.items():
        setattr(job, name, value)


# ---------------------------------------------------------------- sweeping


def requeue_jobs(*, now: Any = None) -> int:
    """Hand over again the jobs the broker never got, and those whose worker
    died (running, no progress for JOB_STALE_SECONDS). Returns how many."""
    now = now or timezone.now()
    waited = now - timedelta(seconds=30)
    stale = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    ids = list(
        Job.objects.filter(
            Q(status=JobStatus.QUEUED, enqueued_at__isnull=True, created_at__lt=waited)
            | Q(status=JobStatus.RUNNING, progress_at__lt=stale)
        ).values_list("pk", flat=True)[:100]
    )
    return sum(1 for job_id in ids if enqueue_job(job_id))


def purge_job_files(*, now: Any = None) -> int:
    """Delete result files older than JOB_FILE_KEEP_DAYS (the job row stays)."""
    now = now or timezone.now()
    limit = now - timedelta(days=settings.JOB_FILE_KEEP_DAYS)
    purged = 0
    for job in Job.objects.filter(finished_at__lt=limit).exclude(result_file=""):
        job.result_file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(result_file="")
        purged += 1
    return purged


# ---------------------------------------------------------------- exports


def record_export(
    *,
    acting_user: Any,
    kind: str,
    format: str,
    filters: dict[str, Any],
    row_count: int,
    job: Job | None = None,
) -> ExportRecord:
    """Keep who exported what: every export of member data is recorded."""
    scope = getattr(acting_user, "scope", None)
    return ExportRecord.objects.create(
        user=acting_user,
        username=acting_user.get_username(),
        scope=str(scope) if scope is not None else "",
        kind=kind,
        format=format,
        filters=filters,
        row_count=row_count,
        job=job,
    )
